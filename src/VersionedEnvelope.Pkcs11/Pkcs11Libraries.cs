using System.Runtime.InteropServices;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace VersionedEnvelope.Pkcs11;

/// <summary>
/// The PKCS#11 modules this process has loaded: PKCS#11 initialises and finalises a module per process, so protectors
/// that share one share its instance (counted), and the last one to go finalises it.
/// </summary>
internal static class Pkcs11Libraries
{
    private static readonly object ResolverGate = new();
    private static readonly Dictionary<string, (IPkcs11Library Library, int Users)> Libraries = [];
    private static bool _resolverSet;

    /// <summary>
    /// The library, loaded once per process: PKCS#11 initialises and finalises a module per process, so protectors that
    /// share one share its instance, and the last one to go finalises it.
    /// </summary>
    public static IPkcs11Library Acquire(Pkcs11InteropFactories factories, string path)
    {
        lock (Libraries)
        {
            if (Libraries.TryGetValue(path, out var loaded))
            {
                Libraries[path] = (loaded.Library, loaded.Users + 1);
                return loaded.Library;
            }

            try
            {
                var library = factories.Pkcs11LibraryFactory.LoadPkcs11Library(factories, path, AppType.MultiThreaded);
                Libraries[path] = (library, 1);
                return library;
            }
            catch (Exception ex) when (ex is Pkcs11Exception or UnmanagedException or DllNotFoundException or BadImageFormatException)
            {
                throw new Pkcs11ProtectorException($"The PKCS#11 library '{path}' could not be loaded: {ex.Message}", ex);
            }
        }
    }

    /// <summary>One protector less uses the library; the last one finalises it.</summary>
    public static void Release(string path)
    {
        lock (Libraries)
        {
            if (Libraries.TryGetValue(path, out var loaded))
            {
                if (loaded.Users > 1)
                {
                    Libraries[path] = (loaded.Library, loaded.Users - 1);
                }
                else
                {
                    Libraries.Remove(path);
                    loaded.Library.Dispose();
                }
            }
        }
    }

    /// <summary>Pkcs11Interop loads <c>libdl</c>, which Debian and others ship only as <c>libdl.so.2</c>.</summary>
    public static void MapLibdl()
    {
        lock (ResolverGate)
        {
            if (_resolverSet || !OperatingSystem.IsLinux())
            {
                return;
            }

            try
            {
                NativeLibrary.SetDllImportResolver(typeof(Pkcs11InteropFactories).Assembly, static (name, assembly, path) =>
                    name == "libdl" && NativeLibrary.TryLoad("libdl.so.2", out var handle) ? handle : IntPtr.Zero);
            }
            catch (InvalidOperationException)
            {
                // The application set a resolver for Pkcs11Interop already: it is in charge of loading libdl.
            }

            _resolverSet = true;
        }
    }
}
