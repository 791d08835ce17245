using System.Globalization;
using VersionedEnvelope.Streams;

namespace VersionedEnvelope.Cli;

/// <summary>
/// The file forms of encrypt, decrypt and rewrap: VE1 streams, one segment in memory at a time, whatever the file's size.
/// Outputs go to a temporary file renamed into place only when complete, so a failed run leaves no partial output.
/// </summary>
internal sealed class StreamFiles(TextWriter stderr)
{
    /// <summary>Files at least this large report their progress on stderr.</summary>
    private const long ProgressThreshold = 64L << 20;

    public async Task<int> EncryptAsync(
        EnvelopeEncryptor encryptor, FileInfo input, FileInfo output, byte[]? associatedData, CancellationToken cancellationToken)
    {
        await using var source = OpenProgress(input, "encrypted");
        await WriteAtomicallyAsync(output, target => encryptor.EncryptAsync(source, target, associatedData, cancellationToken), cancellationToken);
        return Cli.Success;
    }

    public async Task<int> DecryptAsync(
        EnvelopeEncryptor encryptor, FileInfo input, FileInfo output, byte[]? associatedData, CancellationToken cancellationToken)
    {
        await using var source = OpenProgress(input, "decrypted");
        EnvelopeStreamDecryptResult? result = null;
        await WriteAtomicallyAsync(
            output, async target => result = await encryptor.DecryptAsync(source, target, associatedData, cancellationToken), cancellationToken);
        if (result!.NeedsReencryption)
        {
            await stderr.WriteLineAsync(
                $"note: the ciphertext is under key version {result.KeyVersion}, not the active one; rewrap it (rewrap --in-place).");
        }

        return Cli.Success;
    }

    public async Task<int> RewrapInPlaceAsync(EnvelopeEncryptor encryptor, FileInfo file, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(file.FullName, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        int from = await EnvelopeStreamFormat.ReadKeyVersionAsync(stream, cancellationToken);
        stream.Position = 0;
        bool moved = await encryptor.RewrapStreamAsync(stream, cancellationToken);
        string outcome = moved ? "rewrapped" : "current";
        await stderr.WriteLineAsync(string.Create(
            CultureInfo.InvariantCulture,
            $"{file.Name}: {outcome}, key version {from} -> {encryptor.ActiveKeyVersion}; only its first 67 bytes were written."));
        return Cli.Success;
    }

    private Stream OpenProgress(FileInfo input, string verb)
    {
        var file = new FileStream(input.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        return file.Length < ProgressThreshold ? file : new ProgressReadStream(file, file.Length, stderr, verb);
    }

    private static async Task WriteAtomicallyAsync(FileInfo output, Func<Stream, Task> write, CancellationToken cancellationToken)
    {
        string full = output.FullName;
        string temporary = $"{full}.{Guid.NewGuid():N}.tmp";
        try
        {
            await using (var target = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                await write(target);
                await target.FlushAsync(cancellationToken);
                target.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
