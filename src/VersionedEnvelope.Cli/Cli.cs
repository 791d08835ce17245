using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace VersionedEnvelope.Cli;

/// <summary>The tool's entry point, on streams so tests run it end to end without a process.</summary>
internal sealed partial class Cli(Stream stdin, Stream stdout, TextWriter stderr, Func<string, string?> environment)
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 2;

    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        var root = CommandTree.Build(this);
        var result = root.Parse(args);
        using var output = new StreamWriter(stdout, new UTF8Encoding(false), leaveOpen: true) { AutoFlush = true };
        if (result.Errors.Count > 0)
        {
            // A usage error: say what is wrong, then the help of the command it concerns; exit code 2.
            return Fail(Usage, string.Join(" ", result.Errors.Select(e => e.Message)), await HelpOfAsync(result, cancellationToken));
        }

        // Help, --version and the commands' own actions; exceptions from the handlers are mapped to exit codes here.
        try
        {
            var invocation = new InvocationConfiguration { Output = output, Error = stderr, EnableDefaultExceptionHandler = false };
            return await result.InvokeAsync(invocation, cancellationToken);
        }
        catch (UsageException ex)
        {
            return Fail(Usage, ex.Message, await HelpOfAsync(result, cancellationToken));
        }
        catch (EnvelopeException ex)
        {
            return Fail(Failure, $"{ex.Reason}: {ex.Message}");
        }
        catch (KeyDestructionRefusedException ex)
        {
            return Fail(Failure, ex.Message);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException)
        {
            // Refused changes, and key-ring files that cannot be read (KeyRingStoreException is an IOException).
            return Fail(Failure, ex.Message);
        }
    }

    /// <summary>The generated help of the command a parse ended on.</summary>
    private static async Task<string> HelpOfAsync(ParseResult result, CancellationToken cancellationToken)
    {
        using var help = new StringWriter();
        await result.CommandResult.Command.Parse("--help").InvokeAsync(new InvocationConfiguration { Output = help }, cancellationToken);
        return help.ToString().TrimEnd();
    }

    internal Task<int> EncryptAsync(
        KeySourceArguments keys, string? associatedData, bool textForm, FileInfo? input, FileInfo? outputFile, CancellationToken cancellationToken) =>
        CountingUsesAsync(keys, encryptor => EncryptAsync(encryptor, associatedData, textForm, input, outputFile, cancellationToken));

    internal Task<int> RewrapAsync(KeySourceArguments keys, FileInfo? input, FileInfo? outputFile, FileInfo? inPlace, CancellationToken cancellationToken) =>
        CountingUsesAsync(keys, encryptor => RewrapAsync(encryptor, input, outputFile, inPlace, cancellationToken));

    /// <summary>
    /// Runs a command that wraps data keys, then adds the wraps to the ring's shared use count (rotation by use reads
    /// it); a count the store refuses is reported and the command's result stands.
    /// </summary>
    private async Task<int> CountingUsesAsync(KeySourceArguments keys, Func<EnvelopeEncryptor, Task<int>> command)
    {
        var provider = KeySource.Open(keys, environment);
        try
        {
            return await command(new EnvelopeEncryptor(provider));
        }
        finally
        {
            if (provider is KeyRingManager manager)
            {
                try
                {
                    await manager.FlushUsesAsync(CancellationToken.None);
                }
                catch (VersionedEnvelope.Storage.KeyRingStoreException ex)
                {
                    await stderr.WriteLineAsync($"warning: the key use count was not updated: {ex.Message}");
                }

                manager.Dispose();
            }
        }
    }

    private async Task<int> EncryptAsync(
        EnvelopeEncryptor encryptor, string? associatedData, bool textForm, FileInfo? input, FileInfo? outputFile, CancellationToken cancellationToken)
    {
        if (input is not null || outputFile is not null)
        {
            if (input is null || outputFile is null || textForm)
            {
                throw new UsageException("A file is encrypted as a VE1 stream: give both --in FILE and --out FILE, without --text.");
            }

            return await new StreamFiles(stderr).EncryptAsync(encryptor, input, outputFile, Aad(associatedData), cancellationToken);
        }

        byte[] plaintext = await ReadAllAsync(cancellationToken);
        byte[]? aad = Aad(associatedData);
        if (textForm)
        {
            await WriteTextAsync(encryptor.EncryptToText(plaintext, aad) + "\n", cancellationToken);
        }
        else
        {
            await stdout.WriteAsync(encryptor.Encrypt(plaintext, aad), cancellationToken);
        }

        System.Security.Cryptography.CryptographicOperations.ZeroMemory(plaintext);
        return Success;
    }

    internal async Task<int> DecryptAsync(
        KeySourceArguments keys, string? associatedData, FileInfo? inputFile, FileInfo? outputFile, CancellationToken cancellationToken)
    {
        var encryptor = new EnvelopeEncryptor(KeySource.Open(keys, environment));
        if (inputFile is not null && await IsStreamFileAsync(inputFile, cancellationToken))
        {
            return outputFile is null
                ? throw new UsageException("A VE1 stream is decrypted to a file: give --out FILE (it appears only once every segment verified).")
                : await new StreamFiles(stderr).DecryptAsync(encryptor, inputFile, outputFile, Aad(associatedData), cancellationToken);
        }

        byte[] input = inputFile is null ? await ReadAllAsync(cancellationToken) : await File.ReadAllBytesAsync(inputFile.FullName, cancellationToken);
        var result = TryReadText(input) is { } text ? encryptor.DecryptText(text, Aad(associatedData)) : encryptor.Decrypt(input, Aad(associatedData));
        if (outputFile is not null)
        {
            await File.WriteAllBytesAsync(outputFile.FullName, result.Plaintext, cancellationToken);
        }
        else
        {
            await stdout.WriteAsync(result.Plaintext, cancellationToken);
        }

        System.Security.Cryptography.CryptographicOperations.ZeroMemory(result.Plaintext);
        if (result.NeedsReencryption)
        {
            await stderr.WriteLineAsync($"note: the ciphertext is under key version {result.KeyVersion}, not the active one; rewrap it.");
        }

        return Success;
    }

    internal async Task<int> InspectAsync(CancellationToken cancellationToken)
    {
        byte[] input = await ReadAllAsync(cancellationToken);
        if (input.Length >= Streams.EnvelopeStreamFormat.HeaderLength && Streams.EnvelopeStreamFormat.TryGetKeyVersion(input, out int streamVersion))
        {
            // Bytes 67..70 of a VE1 stream: its segment size.
            int segmentSize = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(input.AsSpan(67, 4));
            await WriteTextAsync(string.Create(CultureInfo.InvariantCulture, $"{{\"format\":\"VE1 stream\",\"form\":\"binary\",\"keyVersion\":{streamVersion},"
                + $"\"length\":{input.Length},\"segmentSize\":{segmentSize}}}\n"), cancellationToken);
            return Success;
        }

        string? text = TryReadText(input);
        byte[] binary = text is null ? input : EnvelopeFormat.FromText(text);
        int version = EnvelopeFormat.GetKeyVersion(binary);
        string form = text is null ? "binary" : "text";
        int plaintextLength = binary.Length - EnvelopeFormat.Overhead;
        string described = string.Create(
            CultureInfo.InvariantCulture,
            $"{{\"format\":\"VE1\",\"form\":\"{form}\",\"keyVersion\":{version},\"length\":{binary.Length},\"plaintextLength\":{plaintextLength}}}\n");
        await WriteTextAsync(described, cancellationToken);
        return Success;
    }

    internal async Task<int> InventoryAsync(FileInfo? input, CancellationToken cancellationToken)
    {
        var inventory = KeyUsageInventory.Scan(await ReadLinesAsync(input, cancellationToken));
        await WriteJsonAsync(
            writer =>
            {
                writer.WriteStartObject();
                writer.WriteStartObject("versions");
                foreach (var (version, count) in inventory.CountsByVersion)
                {
                    writer.WriteNumber(version.ToString(CultureInfo.InvariantCulture), count);
                }

                writer.WriteEndObject();
                writer.WriteNumber("malformed", inventory.Malformed);
                writer.WriteNumber("total", inventory.Total);
                writer.WriteEndObject();
            },
            cancellationToken);
        return Success;
    }

    private async Task<int> RewrapAsync(
        EnvelopeEncryptor encryptor, FileInfo? input, FileInfo? outputFile, FileInfo? inPlace, CancellationToken cancellationToken)
    {
        if (inPlace is not null)
        {
            return input is not null || outputFile is not null
                ? throw new UsageException("--in-place FILE rewraps one VE1 stream file; it does not combine with --in or --out.")
                : await new StreamFiles(stderr).RewrapInPlaceAsync(encryptor, inPlace, cancellationToken);
        }

        int failures = 0, line = 0;
        var output = new StringBuilder();
        foreach (string text in await ReadLinesAsync(input, cancellationToken))
        {
            line++;
            try
            {
                output.Append(encryptor.RewrapText(text)).Append('\n');
            }
            catch (EnvelopeException ex)
            {
                failures++;
                output.Append(text).Append('\n');
                await stderr.WriteLineAsync($"line {line}: {ex.Reason}: {ex.Message}");
            }
        }

        if (outputFile is null)
        {
            await WriteTextAsync(output.ToString(), cancellationToken);
            return failures == 0 ? Success : Failure;
        }

        if (failures > 0)
        {
            await stderr.WriteLineAsync($"{failures} lines could not be rewrapped; {outputFile} was not written.");
            return Failure;
        }

        // Temporary file, then rename: a rewrap that fails or is interrupted never leaves a partial export that a later
        // inventory (and destroy) could mistake for the whole data set.
        string full = outputFile.FullName;
        string temporary = $"{full}.{Guid.NewGuid():N}.tmp";
        try
        {
            await File.WriteAllTextAsync(temporary, output.ToString(), cancellationToken);
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }

        return Success;
    }

    private static async Task<bool> IsStreamFileAsync(FileInfo file, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read);
        var head = new byte[7];
        int read = await stream.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
        return Streams.EnvelopeStreamFormat.TryGetKeyVersion(head.AsSpan(0, read), out _);
    }

    private async Task<List<string>> ReadLinesAsync(FileInfo? input, CancellationToken cancellationToken)
    {
        string content = input is not null
            ? await File.ReadAllTextAsync(input.FullName, cancellationToken)
            : Encoding.UTF8.GetString(await ReadAllAsync(cancellationToken));
        return [.. content.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0)];
    }

    private static string? TryReadText(byte[] input)
    {
        // A text-form ciphertext is ASCII starting with 've1:'; binary VE1 starts with 'VE\x01'.
        if (input.Length < 4 || input[0] != (byte)'v' || input[1] != (byte)'e' || input[2] != (byte)'1' || input[3] != (byte)':')
        {
            return null;
        }

        return Encoding.ASCII.GetString(input).Trim();
    }

    private static string FormatTime(DateTimeOffset time) => RotationHistoryJson.FormatTimestamp(time);

    private static byte[]? Aad(string? associatedData) => associatedData is null ? null : Encoding.UTF8.GetBytes(associatedData);

    private async Task<byte[]> ReadAllAsync(CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await stdin.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }

    private async Task WriteTextAsync(string text, CancellationToken cancellationToken) =>
        await stdout.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);

    private async Task WriteJsonAsync(Action<Utf8JsonWriter> write, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, JsonOptions))
        {
            write(writer);
        }

        buffer.WriteByte((byte)'\n');
        await stdout.WriteAsync(buffer.ToArray(), cancellationToken);
    }

    private static string JsonString(string value) => JsonSerializer.Serialize(value, CliJsonContext.Default.String);

    private int Fail(int code, string message, string? help = null)
    {
        stderr.WriteLine($"envelope: {message}");
        if (help is not null)
        {
            stderr.WriteLine();
            stderr.WriteLine(help);
        }

        return code;
    }
}
