using System.Runtime.InteropServices;

namespace VersionedEnvelope.Storage;

/// <summary>
/// Flushes a directory's entries to disk (<c>fsync</c> on the directory), so a rename into it survives a power loss.
/// .NET has no API for it.
/// </summary>
/// <remarks>
/// On Linux and macOS it is three libc calls; elsewhere (Windows) the rename is already durable once <c>MoveFileEx</c>
/// returns with write-through semantics, so nothing is done.
/// </remarks>
internal static partial class DirectorySync
{
    private const int ReadOnly = 0;

    public static void Flush(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }

        int descriptor = Open(directory, ReadOnly);
        if (descriptor < 0)
        {
            throw new IOException($"The directory '{directory}' could not be opened to flush the key ring's rename to disk (errno "
                + $"{Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (Fsync(descriptor) != 0)
            {
                throw new IOException($"The directory '{directory}' could not be flushed to disk after the key ring was renamed (errno "
                    + $"{Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int descriptor);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int descriptor);
}
