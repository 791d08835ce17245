using System.Text;
using System.Text.Json;

namespace VersionedEnvelope.Cli.Tests;

public sealed class CliTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("envelope-cli-").FullName;
    private readonly Dictionary<string, string> _environment = new() { ["ENVELOPE_ROOT_KEY"] = Convert.ToBase64String(new byte[32].Select((_, i) => (byte)(i * 7)).ToArray()) };

    private string Ring => Path.Combine(_directory, "keyring.json");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private async Task<(int Code, byte[] Output, string Error)> Run(byte[] input, params string[] args)
    {
        using var stdin = new MemoryStream(input);
        using var stdout = new MemoryStream();
        using var stderr = new StringWriter();
        int code = await new Cli(stdin, stdout, stderr, name => _environment.GetValueOrDefault(name)).RunAsync(args, TestContext.Current.CancellationToken);
        return (code, stdout.ToArray(), stderr.ToString());
    }

    private async Task<(int Code, string Output, string Error)> RunText(string input, params string[] args)
    {
        var (code, output, error) = await Run(Encoding.UTF8.GetBytes(input), args);
        return (code, Encoding.UTF8.GetString(output), error);
    }

    [Fact]
    public async Task RotateIndexKey_AddsAnIndexKeyVersion_LeavesDataKeysAlone_AndShowListsIt()
    {
        Assert.Equal(0, (await RunText("", "ring", "create", "--ring", Ring)).Code);

        var rotate = await RunText("", "ring", "rotate-index-key", "--ring", Ring, "--by", "ops");
        var show = await RunText("", "ring", "show", "--ring", Ring);

        Assert.Equal(0, rotate.Code);
        using var rotation = JsonDocument.Parse(rotate.Output);
        Assert.Equal(2, rotation.RootElement.GetProperty("version").GetInt32());
        using var ring = JsonDocument.Parse(show.Output);
        Assert.Equal(1, ring.RootElement.GetProperty("activeVersion").GetInt32());
        Assert.Equal([1, 2], ring.RootElement.GetProperty("indexKeys").EnumerateArray().Select(k => k.GetProperty("version").GetInt32()));
        Assert.Equal("IndexKeyRotated", ring.RootElement.GetProperty("events").EnumerateArray().Last().GetProperty("kind").GetString());
        Assert.Equal(0, ring.RootElement.GetProperty("keyRotationHistory").GetArrayLength());
        Assert.Equal(2, ring.RootElement.GetProperty("revision").GetInt64());
        Assert.Equal(
            ring.RootElement.GetProperty("events").EnumerateArray().Last().GetProperty("at").GetString(),
            ring.RootElement.GetProperty("lastChangedAt").GetString());
    }

    [Fact]
    public async Task Workflow_CreateEncryptRotateDecryptRewrapInventoryRetire()
    {
        Assert.Equal(0, (await RunText("", "ring", "create", "--ring", Ring)).Code);
        var (_, oldText, _) = await RunText("sk-live-4f9a", "encrypt", "--ring", Ring, "--aad", "UserProfile:42:apiKey", "--text");
        var (_, oldBinary, _) = await Run("binary secret"u8.ToArray(), "encrypt", "--ring", Ring);
        Assert.StartsWith("ve1:v1:", oldText, StringComparison.Ordinal);

        var rotate = await RunText("", "ring", "rotate", "--ring", Ring, "--by", "ops@example.com");
        Assert.Equal(0, rotate.Code);
        using (var rotation = JsonDocument.Parse(rotate.Output))
        {
            Assert.Equal(2, rotation.RootElement.GetProperty("version").GetInt32());
            Assert.Equal("ops@example.com", rotation.RootElement.GetProperty("rotatedBy").GetString());
        }

        var decrypted = await RunText(oldText, "decrypt", "--ring", Ring, "--aad", "UserProfile:42:apiKey");
        Assert.Equal((0, "sk-live-4f9a"), (decrypted.Code, decrypted.Output));
        Assert.Contains("rewrap", decrypted.Error, StringComparison.Ordinal);
        Assert.Equal("binary secret"u8.ToArray(), (await Run(oldBinary, "decrypt", "--ring", Ring)).Output);

        var rewrapped = await RunText(oldText + "\n" + oldText, "rewrap", "--ring", Ring);
        Assert.Equal(0, rewrapped.Code);
        string[] lines = rewrapped.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, line => Assert.StartsWith("ve1:v2:", line, StringComparison.Ordinal));

        var inventory = await RunText(rewrapped.Output + "garbage\n", "inventory");
        using (var counts = JsonDocument.Parse(inventory.Output))
        {
            Assert.Equal(2, counts.RootElement.GetProperty("versions").GetProperty("2").GetInt32());
            Assert.False(counts.RootElement.GetProperty("versions").TryGetProperty("1", out _));
            Assert.Equal(1, counts.RootElement.GetProperty("malformed").GetInt32());
        }

        Assert.Equal(0, (await RunText("", "ring", "retire", "--ring", Ring, "--version", "1")).Code);
        var refused = await RunText(oldText, "decrypt", "--ring", Ring, "--aad", "UserProfile:42:apiKey");
        Assert.Equal(1, refused.Code);
        Assert.Contains("KeyVersionRetired", refused.Error, StringComparison.Ordinal);
        Assert.Equal("sk-live-4f9a", (await RunText(lines[0], "decrypt", "--ring", Ring, "--aad", "UserProfile:42:apiKey")).Output);
    }

    [Fact]
    public async Task RingShow_PrintsStatesAndHistoryButNoKeyMaterial()
    {
        await RunText("", "ring", "create", "--ring", Ring);
        await RunText("", "ring", "rotate", "--ring", Ring, "--by", "user_123");

        var show = await RunText("", "ring", "show", "--ring", Ring);

        using var json = JsonDocument.Parse(show.Output);
        Assert.Equal(2, json.RootElement.GetProperty("activeVersion").GetInt32());
        Assert.Equal("DecryptOnly", json.RootElement.GetProperty("keys")[0].GetProperty("state").GetString());
        Assert.Equal("user_123", json.RootElement.GetProperty("keyRotationHistory")[0].GetProperty("rotatedBy").GetString());
        Assert.DoesNotContain("material", show.Output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task RingShow_PrintsAgeUseAgainstTheLimitNextRotationAndRetirementBlocker()
    {
        await RunText("", "ring", "create", "--ring", Ring);
        await RunText("x", "encrypt", "--ring", Ring, "--text");
        await RunText("y", "encrypt", "--ring", Ring, "--text");
        await RunText("", "ring", "rotate", "--ring", Ring, "--by", "ops");

        var show = await RunText("", "ring", "show", "--ring", Ring, "--rotation-days", "90", "--max-data-keys", "1000");

        using var json = JsonDocument.Parse(show.Output);
        var root = json.RootElement;
        Assert.Equal(1000, root.GetProperty("maxDataKeysPerVersion").GetInt64());
        Assert.True(root.TryGetProperty("nextRotationAt", out _));
        Assert.Equal(1, root.GetProperty("minDecryptionVersion").GetInt32());
        var v1 = root.GetProperty("keys")[0];
        Assert.Equal(2, v1.GetProperty("dataKeys").GetInt64());
        Assert.True(v1.GetProperty("ageDays").GetDouble() >= 0);
        Assert.Contains("inventory", v1.GetProperty("retirementBlockedBy").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, (await RunText("", "ring", "show", "--ring", Ring, "--max-data-keys", "0")).Code);
    }

    [Fact]
    public async Task RingCreate_ExistingFile_RefusesWithUsageError()
    {
        await RunText("", "ring", "create", "--ring", Ring);
        var before = await File.ReadAllBytesAsync(Ring, TestContext.Current.CancellationToken);

        var again = await RunText("", "ring", "create", "--ring", Ring);

        Assert.Equal(2, again.Code);
        Assert.Equal(before, await File.ReadAllBytesAsync(Ring, TestContext.Current.CancellationToken));
    }

    /// <summary>A ring whose v1 encrypted the text-form secret "x", then rotated to v2; returns that secret.</summary>
    private async Task<string> SecretUnderV1ThenRotateAsync()
    {
        await RunText("", "ring", "create", "--ring", Ring);
        var (_, old, _) = await RunText("x", "encrypt", "--ring", Ring, "--text");
        await RunText("", "ring", "rotate", "--ring", Ring, "--by", "ops");
        return old;
    }

    [Fact]
    public async Task RingDestroy_EmptyOrPartialInventoryFromAFailedRewrap_IsRefusedWithExitOneAndTheReason()
    {
        string old = await SecretUnderV1ThenRotateAsync();
        string rewrapped = Path.Combine(_directory, "rewrapped.txt");

        // A rewrap that fails (one line is not a ciphertext) writes no --out file at all.
        var rewrap = await RunText(old + "\nnot a ciphertext\n", "rewrap", "--ring", Ring, "--out", rewrapped);
        Assert.Equal(1, rewrap.Code);
        Assert.False(File.Exists(rewrapped));
        Assert.Empty(Directory.EnumerateFiles(_directory, "*.tmp"));

        // The empty file a shell redirection would have left: refused, with the reason.
        await File.WriteAllTextAsync(rewrapped, "", TestContext.Current.CancellationToken);
        var destroy = await RunText("", "ring", "destroy", "--ring", Ring, "--version", "1", "--in", rewrapped);
        Assert.Equal(1, destroy.Code);
        Assert.Contains("scanned no ciphertext", destroy.Error, StringComparison.Ordinal);
        var decrypted = await RunText(old, "decrypt", "--ring", Ring);
        Assert.Equal((0, "x"), (decrypted.Code, decrypted.Output));

        // A complete, successful rewrap is the evidence destroy needs.
        Assert.Equal(0, (await RunText(old + "\n", "rewrap", "--ring", Ring, "--out", rewrapped)).Code);
        Assert.StartsWith("ve1:v2:", await File.ReadAllTextAsync(rewrapped, TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(0, (await RunText("", "ring", "destroy", "--ring", Ring, "--version", "1", "--in", rewrapped)).Code);
    }

    [Fact]
    public async Task RingDestroy_InUseUnlessForced()
    {
        string old = await SecretUnderV1ThenRotateAsync();
        string export = Path.Combine(_directory, "export.txt");
        await File.WriteAllTextAsync(export, old, TestContext.Current.CancellationToken);

        Assert.Equal(1, (await RunText("", "ring", "destroy", "--ring", Ring, "--version", "1", "--in", export)).Code);
        Assert.Equal(0, (await RunText("", "ring", "destroy", "--ring", Ring, "--version", "1", "--in", export, "--force")).Code);
        Assert.Equal(1, (await RunText(old, "decrypt", "--ring", Ring)).Code);
    }

    [Fact]
    public async Task SharedVectors_DecryptThroughKeysFile()
    {
        using var vectors = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Vectors", "ve1.json"), TestContext.Current.CancellationToken));
        string keys = Path.Combine(_directory, "keys.json");
        await File.WriteAllTextAsync(
            keys,
            JsonSerializer.Serialize(vectors.RootElement.GetProperty("keyRing").EnumerateObject().ToDictionary(p => p.Name, p => Convert.ToBase64String(Convert.FromHexString(p.Value.GetString()!)))),
            TestContext.Current.CancellationToken);

        foreach (var vector in vectors.RootElement.GetProperty("cases").EnumerateArray())
        {
            byte[] aad = Convert.FromHexString(vector.GetProperty("associatedDataHex").GetString()!);
            string[] args = aad.Length == 0 ? ["decrypt", "--keys", keys] : ["decrypt", "--keys", keys, "--aad", Encoding.UTF8.GetString(aad)];
            var binary = await Run(Convert.FromHexString(vector.GetProperty("ciphertextHex").GetString()!), args);
            var text = await Run(Encoding.UTF8.GetBytes(vector.GetProperty("text").GetString()! + "\n"), args);
            byte[] expected = Convert.FromHexString(vector.GetProperty("plaintextHex").GetString()!);
            Assert.Equal(expected, binary.Output);
            Assert.Equal(expected, text.Output);
        }
    }

    [Fact]
    public async Task Inspect_ReadsHeaderWithoutKey()
    {
        await RunText("", "ring", "create", "--ring", Ring);
        var (_, text, _) = await RunText("hello", "encrypt", "--ring", Ring, "--text");

        var inspect = await RunText(text, "inspect");

        Assert.Equal(0, inspect.Code);
        Assert.Equal("{\"format\":\"VE1\",\"form\":\"text\",\"keyVersion\":1,\"length\":100,\"plaintextLength\":5}\n", inspect.Output);
        Assert.Equal(1, (await RunText("ve1:v1:AAAA", "inspect")).Code);
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("encrypt")]
    [InlineData("encrypt", "--ring", "a", "--keys", "b")]
    [InlineData("ring", "rotate", "--ring", "x.json")]
    [InlineData("ring", "retire", "--version", "zero", "--ring", "x.json")]
    [InlineData("decrypt", "--keys", "missing.json")]
    [InlineData("inventory", "--bogus", "1")]
    public async Task BadUsage_ExitsTwoWithHelp(params string[] args)
    {
        var result = await RunText("", args);

        Assert.Equal(2, result.Code);
        Assert.Contains("Usage", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--version", "zero", "ring", "retire", "--ring", "x.json")]
    [InlineData("--version", "0", "ring", "destroy", "--ring", "x.json")]
    [InlineData("--active", "-2", "encrypt", "--keys", "keys.json")]
    public async Task ANumberThatIsNotAPositiveWholeNumber_IsNamedWithWhatWasGiven(string option, string value, params string[] command)
    {
        var result = await RunText("", [.. command, option, value]);

        Assert.Equal(2, result.Code);
        Assert.Contains($"Option {option} must be a positive whole number; got '{value}'.", result.Error, StringComparison.Ordinal);
        Assert.Contains("Usage", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_ForEveryCommand_ExitsZero()
    {
        foreach (var command in new[] { "ring create", "ring rotate", "ring rotate-index-key", "ring show", "ring retire", "ring reinstate", "ring destroy", "encrypt", "decrypt", "inspect", "inventory", "rewrap" })
        {
            var result = await RunText("", [.. command.Split(' '), "--help"]);
            Assert.Equal(0, result.Code);
            Assert.Contains("Usage:", result.Output, StringComparison.Ordinal);
            Assert.Contains(command + " [options]", result.Output, StringComparison.Ordinal);
            Assert.Contains("Description:", result.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Version_PrintsTheVersionAndExitsZero()
    {
        var result = await RunText("", "--version");

        Assert.Equal(0, result.Code);
        Assert.StartsWith("1.", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Options_AcceptNameEqualsValue()
    {
        Assert.Equal(0, (await RunText("", "ring", "create", $"--ring={Ring}")).Code);

        var rotate = await RunText("", "ring", "rotate", $"--ring={Ring}", "--by=ops@example.com");

        Assert.Equal(0, rotate.Code);
        Assert.Contains("\"rotatedBy\":\"ops@example.com\"", rotate.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RingProtect_AddsASecondRootKey_ThenRemovesTheFirst_TheRingOpensOnlyWithTheSecond()
    {
        Assert.Equal(0, (await RunText("", "ring", "create", "--ring", Ring)).Code);
        var (_, secret, _) = await RunText("sk-live-4f9a", "encrypt", "--ring", Ring, "--text");
        string first = _environment["ENVELOPE_ROOT_KEY"];
        _environment["SECOND_ROOT_KEY"] = Convert.ToBase64String(new byte[32].Select((_, i) => (byte)(i * 11 + 1)).ToArray());
        string firstKeyId = new RootKeyProtector(Convert.FromBase64String(first)).KeyId;
        string secondKeyId = new RootKeyProtector(Convert.FromBase64String(_environment["SECOND_ROOT_KEY"])).KeyId;

        var added = await RunText("", "ring", "protect", "--ring", Ring, "--add", "root-key:SECOND_ROOT_KEY");
        _environment["ENVELOPE_ROOT_KEY"] = _environment["SECOND_ROOT_KEY"];
        var refused = await RunText("", "ring", "protect", "--ring", Ring, "--remove", secondKeyId);
        var removed = await RunText("", "ring", "protect", "--ring", Ring, "--remove", firstKeyId);
        var decrypted = await RunText(secret, "decrypt", "--ring", Ring);
        _environment["ENVELOPE_ROOT_KEY"] = first;
        var locked = await RunText(secret, "decrypt", "--ring", Ring);

        Assert.True(added.Code == 0, added.Error);
        Assert.Equal([firstKeyId, secondKeyId], JsonDocument.Parse(added.Output).RootElement.GetProperty("protectors").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(1, refused.Code);
        Assert.Contains("no protector this host can open", refused.Error, StringComparison.Ordinal);
        Assert.True(removed.Code == 0, removed.Error);
        Assert.Equal((0, "sk-live-4f9a"), (decrypted.Code, decrypted.Output));
        Assert.Equal(1, locked.Code);
        Assert.Contains($"it accepts '{secondKeyId}'", locked.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(first, locked.Error + refused.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RingProtect_WithoutAChangeOrWithAnUnknownProtector_IsAUsageError()
    {
        Assert.Equal(0, (await RunText("", "ring", "create", "--ring", Ring)).Code);

        var nothing = await RunText("", "ring", "protect", "--ring", Ring);
        var unknown = await RunText("", "ring", "protect", "--ring", Ring, "--add", "vault:x");

        Assert.Equal((2, 2), (nothing.Code, unknown.Code));
        Assert.Contains("--add PROTECTOR, --remove KEYID", nothing.Error, StringComparison.Ordinal);
        Assert.Contains("'vault:x' is not a protector", unknown.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongRootKey_ExitsOneWithoutKeyMaterial()
    {
        await RunText("", "ring", "create", "--ring", Ring);
        string right = _environment["ENVELOPE_ROOT_KEY"];
        _environment["ENVELOPE_ROOT_KEY"] = Convert.ToBase64String(new byte[32]);

        var result = await RunText("x", "encrypt", "--ring", Ring);

        Assert.Equal(1, result.Code);
        Assert.Contains("cannot be opened by this host: it accepts 'root-key:", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(right, result.Error, StringComparison.Ordinal);
    }
}
