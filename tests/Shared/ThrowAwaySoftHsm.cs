using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Shared.Tests;

/// <summary>
/// A SoftHSM2 token this test assembly initialises itself when the VERSIONEDENVELOPE_PKCS11_* variables are not set but
/// softhsm2-util and its library are installed: a token directory and a SOFTHSM2_CONF of its own in a temporary folder,
/// deleted when the process exits (or by the next run, after a crash).
/// </summary>
internal static partial class ThrowAwaySoftHsm
{
    private const string Prefix = "ve-test-softhsm-";
    private static readonly string[] Libraries = ["/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"];
    private static readonly Lazy<(string Library, string Token, string Pin)?> Token = new(Start);
    private static string? _whyNot;

    /// <summary>The token's library, label and user PIN, or null with the reason (what to install).</summary>
    public static (string Library, string Token, string Pin)? Require(out string? whyNot)
    {
        var token = Token.Value;
        whyNot = _whyNot;
        return token;
    }

    private static (string, string, string)? Start()
    {
        string? util = LocalProcess.FindOnPath("softhsm2-util");
        string? library = Libraries.FirstOrDefault(File.Exists);
        if (util is null || library is null)
        {
            _whyNot = "SoftHSM2 is not installed (apt-get install -y softhsm2)";
            return null;
        }

        foreach (string leftover in Directory.GetDirectories(Path.GetTempPath(), Prefix + "*").Where(LocalProcess.OwnerIsGone))
        {
            Directory.Delete(leftover, recursive: true);
        }

        string folder = LocalProcess.NewOwnedFolder(Prefix);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(folder, recursive: true);
        string tokens = Path.Combine(folder, "tokens");
        Directory.CreateDirectory(tokens);
        string configuration = Path.Combine(folder, "softhsm2.conf");
        File.WriteAllText(configuration, $"directories.tokendir = {tokens}\n");

        // The library reads SOFTHSM2_CONF from the native environment, which Environment.SetEnvironmentVariable does not change.
        if (SetNativeEnvironmentVariable("SOFTHSM2_CONF", configuration, 1) != 0)
        {
            throw new InvalidOperationException("SOFTHSM2_CONF could not be set for the PKCS#11 library.");
        }

        Environment.SetEnvironmentVariable("SOFTHSM2_CONF", configuration);
        string label = "versioned-envelope-tests";
        string pin = Convert.ToHexString(RandomNumberGenerator.GetBytes(6));
        LocalProcess.Run(
            util,
            ["--init-token", "--free", "--label", label, "--so-pin", Convert.ToHexString(RandomNumberGenerator.GetBytes(6)), "--pin", pin],
            new Dictionary<string, string> { ["SOFTHSM2_CONF"] = configuration });
        return (library, label, pin);
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial int SetNativeEnvironmentVariable(string name, string value, int overwrite);
}
