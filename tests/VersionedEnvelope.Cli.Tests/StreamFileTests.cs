using System.Text;
using System.Text.Json;

namespace VersionedEnvelope.Cli.Tests;

public sealed class StreamFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("envelope-cli-stream-").FullName;
    private readonly Dictionary<string, string> _environment = new() { ["ENVELOPE_ROOT_KEY"] = Convert.ToBase64String(new byte[32].Select((_, i) => (byte)(i * 5)).ToArray()) };

    private string Ring => Path.Combine(_directory, "keyring.json");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task EncryptDecryptRewrapInPlace_AFileOfSeveralSegments_RoundTripsAndMovesOnlyTheHeader()
    {
        string plain = Path.Combine(_directory, "backup.tar");
        string sealedFile = Path.Combine(_directory, "backup.tar.ve");
        string opened = Path.Combine(_directory, "backup.out");
        var content = new byte[200_000];
        new Random(3).NextBytes(content);
        await File.WriteAllBytesAsync(plain, content, TestContext.Current.CancellationToken);
        Assert.Equal(0, (await Run([], "ring", "create", "--ring", Ring)).Code);

        var encrypt = await Run([], "encrypt", "--ring", Ring, "--aad", "backup:1", "--in", plain, "--out", sealedFile);
        var inspect = await Run(await File.ReadAllBytesAsync(sealedFile, TestContext.Current.CancellationToken), "inspect");
        Assert.Equal(0, (await Run([], "ring", "rotate", "--ring", Ring, "--by", "ops")).Code);
        var before = await File.ReadAllBytesAsync(sealedFile, TestContext.Current.CancellationToken);
        var rewrap = await Run([], "rewrap", "--ring", Ring, "--in-place", sealedFile);
        var after = await File.ReadAllBytesAsync(sealedFile, TestContext.Current.CancellationToken);
        var decrypt = await Run([], "decrypt", "--ring", Ring, "--aad", "backup:1", "--in", sealedFile, "--out", opened);

        Assert.Equal(0, encrypt.Code);
        using (var described = JsonDocument.Parse(inspect.Output))
        {
            Assert.Equal("VE1 stream", described.RootElement.GetProperty("format").GetString());
            Assert.Equal(65536, described.RootElement.GetProperty("segmentSize").GetInt32());
        }

        Assert.Equal(0, rewrap.Code);
        Assert.Contains("key version 1 -> 2", rewrap.Error, StringComparison.Ordinal);
        Assert.Equal(before.AsSpan(67).ToArray(), after.AsSpan(67).ToArray());
        Assert.Equal(0, decrypt.Code);
        Assert.Equal(content, await File.ReadAllBytesAsync(opened, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Decrypt_ATamperedStreamFile_FailsAndLeavesNoOutput()
    {
        string plain = Path.Combine(_directory, "a.bin");
        string sealedFile = Path.Combine(_directory, "a.ve");
        string opened = Path.Combine(_directory, "a.out");
        await File.WriteAllBytesAsync(plain, new byte[150_000], TestContext.Current.CancellationToken);
        Assert.Equal(0, (await Run([], "ring", "create", "--ring", Ring)).Code);
        Assert.Equal(0, (await Run([], "encrypt", "--ring", Ring, "--in", plain, "--out", sealedFile)).Code);
        var bytes = await File.ReadAllBytesAsync(sealedFile, TestContext.Current.CancellationToken);
        bytes[^3] ^= 1;
        await File.WriteAllBytesAsync(sealedFile, bytes, TestContext.Current.CancellationToken);

        var decrypt = await Run([], "decrypt", "--ring", Ring, "--in", sealedFile, "--out", opened);

        Assert.Equal(1, decrypt.Code);
        Assert.Contains("AuthenticationFailed", decrypt.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(opened));
        Assert.Empty(Directory.GetFiles(_directory, "*.tmp"));
    }

    [Fact]
    public async Task Encrypt_InWithoutOut_IsAUsageError()
    {
        Assert.Equal(0, (await Run([], "ring", "create", "--ring", Ring)).Code);

        var encrypt = await Run([], "encrypt", "--ring", Ring, "--in", Ring);

        Assert.Equal(2, encrypt.Code);
        Assert.Contains("--out", encrypt.Error, StringComparison.Ordinal);
    }

    private async Task<(int Code, string Output, string Error)> Run(byte[] input, params string[] args)
    {
        using var stdin = new MemoryStream(input);
        using var stdout = new MemoryStream();
        using var stderr = new StringWriter();
        int code = await new Cli(stdin, stdout, stderr, name => _environment.GetValueOrDefault(name)).RunAsync(args, TestContext.Current.CancellationToken);
        return (code, Encoding.UTF8.GetString(stdout.ToArray()), stderr.ToString());
    }
}
