using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using VersionedEnvelope.Storage;

namespace VersionedEnvelope.Tests;

/// <summary>One test (or more) per finding of the adversarial pass; each fails on the code before the fix.</summary>
public sealed class HardeningTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ve-hardening-").FullName;
    private readonly byte[] _rootKey = FileKeyRingStore.GenerateRootKey();
    private static readonly KeyRingOptions NoRefresh = new() { RefreshInterval = TimeSpan.Zero, CreateKeyRingIfMissing = true };

    private string RingPath => Path.Combine(_directory, "keyring.json");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    // 1. Key material left on disk after a crash; file modes; the directory flush.
    [Fact]
    public async Task Destroy_OrphanedTemporaryRingFromACrashedWriter_IsRemovedSoTheDestroyedKeyIsNowhere()
    {
        using var manager = new KeyRingManager(new FileKeyRingStore(RingPath, _rootKey), NoRefresh);
        await manager.InitializeAsync(Ct);
        var underV1 = new EnvelopeEncryptor(manager).Encrypt([42]);
        await manager.RotateAsync("ops", Ct);

        // What a writer killed between write and rename leaves: a complete sealed ring that still holds v1.
        string orphan = $"{RingPath}.{Guid.NewGuid():N}.tmp";
        File.Copy(RingPath, orphan);
        await manager.DestroyAsync(1, "ops", inventory: null, force: true, Ct);

        Assert.False(File.Exists(orphan));
        foreach (string file in Directory.EnumerateFiles(_directory).Where(f => !f.EndsWith(".lock", StringComparison.Ordinal)))
        {
            var stored = await new FileKeyRingStore(file, _rootKey).LoadAsync(Ct);
            var ex = Assert.ThrowsAny<CryptographicException>(() => new EnvelopeEncryptor(stored!.Ring).Decrypt(underV1));
            Assert.NotNull(ex);
        }
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public async Task Save_RingTemporaryAndLockFiles_AreOwnerOnly()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes");
        var modes = new List<UnixFileMode>();
        var store = new FileKeyRingStore(RingPath, _rootKey) { BeforeRename = temporary => modes.Add(File.GetUnixFileMode(temporary)) };

        await store.SaveAsync(KeyRing.CreateNew(), 0, Ct);

        const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        Assert.Equal([OwnerOnly], modes);
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(RingPath));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(RingPath + ".lock"));
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public async Task Save_ExistingWorldReadableLockFile_BecomesOwnerOnly()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes");
        await File.WriteAllTextAsync(RingPath + ".lock", "", Ct);
        File.SetUnixFileMode(RingPath + ".lock", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        await new FileKeyRingStore(RingPath, _rootKey).SaveAsync(KeyRing.CreateNew(), 0, Ct);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(RingPath + ".lock"));
    }

    // 4. Non-canonical text forms.
    [Theory]
    [InlineData("\0")]
    [InlineData("\0\0")]
    [InlineData(" ")]
    [InlineData("+")]
    public void TextForm_VersionWithAnythingButDigits_IsMalformed(string junk)
    {
        var encryptor = new EnvelopeEncryptor(KeyRing.CreateNew());
        string text = encryptor.EncryptToText([1, 2, 3]);
        string altered = text.Insert("ve1:v1".Length, junk);

        Assert.False(EnvelopeFormat.TryGetKeyVersion(altered, out _));
        Assert.Equal(EnvelopeErrorReason.Malformed, Assert.Throws<EnvelopeException>(() => encryptor.DecryptText(altered)).Reason);
        Assert.Equal(1, KeyUsageInventory.Scan([altered]).Malformed);
    }

    [Fact]
    public void TextForm_NonCanonicalLastCharacter_IsMalformed()
    {
        var encryptor = new EnvelopeEncryptor(KeyRing.CreateNew());
        int rejected = 0, tried = 0;
        for (int length = 0; length < 12; length++)
        {
            string text = encryptor.EncryptToText(new byte[length]);
            int unusedBits = ((text.Length - text.IndexOf(':', 5) - 1) % 4) switch { 2 => 0b1111, 3 => 0b11, _ => 0 };
            if (unusedBits == 0)
            {
                continue;
            }

            // Same bytes for the BCL decoder, another spelling: set one of the unused low bits of the last character.
            const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            char last = text[^1];
            string altered = text[..^1] + Alphabet[Alphabet.IndexOf(last, StringComparison.Ordinal) | 1];
            tried++;
            Assert.Equal(EnvelopeErrorReason.Malformed, Assert.Throws<EnvelopeException>(() => encryptor.DecryptText(altered)).Reason);
            Assert.False(EnvelopeFormat.TryGetKeyVersion(altered, out _));
            rejected++;
            Assert.Equal([.. new byte[length]], encryptor.DecryptText(text).Plaintext);
        }

        Assert.True(tried > 0);
        Assert.Equal(tried, rejected);
    }

    // 2 and 5. The rotation history reader: exact contracts and exact shapes.
    [Theory]
    [InlineData("""[{"version":2,"rotatedAt":"2026-01-27T08:27:32.000Z","rotatedBy":"\udc00"}]""")]
    [InlineData("""[{"version":2,"rotatedAt":"2026-01-27T08:27:32.000Z","rotatedBy":"a\ud800b"}]""")]
    [InlineData("""[{"version":-0,"rotatedAt":"2026-01-27T08:27:32.000Z","rotatedBy":"u"}]""")]
    [InlineData("""[{"version":2,"rotatedAt":"2026-01-27T08:27:32Z","rotatedBy":"u"}]""")]
    [InlineData("""[{"version":2,"rotatedAt":"2026-01-27T08:27:32.Z","rotatedBy":"u"}]""")]
    [InlineData("""[{"version":2,"rotatedAt":"2026-01-27T08:27:32.5Z","rotatedBy":"u"}]""")]
    [InlineData("""[{"version":2,"rotatedAt":"2026-01-27T08:27:32.1234567Z","rotatedBy":"u"}]""")]
    [InlineData("""[{"version":2,"rotatedAt":"2026-01-27T08:27:32.000Z","rotatedBy":"   "}]""")]
    public void RotationHistory_InexactOrUnreadableInput_IsAJsonException(string json) =>
        Assert.IsType<JsonException>(Record.Exception(() => RotationHistoryJson.Parse(json)));

    [Fact]
    public void RotationHistory_InvalidUtf8_IsAJsonException()
    {
        byte[] json = Encoding.UTF8.GetBytes("""[{"version":2,"rotatedAt":"2026-01-27T08:27:32.000Z","rotatedBy":"XX"}]""");
        int at = Array.IndexOf(json, (byte)'X');
        json[at] = 0xC3;
        json[at + 1] = 0x28;

        Assert.IsType<JsonException>(Record.Exception(() => RotationHistoryJson.Parse(json)));
    }

    [Fact]
    public void RotationHistory_AsPostgresJsonbReturnsIt_IsRead()
    {
        var history = RotationHistoryJson.Parse("""[{"version": 2, "rotatedBy": "user_123", "rotatedAt": "2026-01-27T08:27:32.000Z"}]""");

        Assert.Equal("""[{"version":2,"rotatedAt":"2026-01-27T08:27:32.000Z","rotatedBy":"user_123"}]""", RotationHistoryJson.Write(history));
    }

    [Fact]
    public void RotationHistory_WriterRefusesWhatTheReaderWouldRefuse()
    {
        // Built in code: a lone surrogate does not survive a theory's serialised data.
        foreach (string by in new[] { "   ", "a" + (char)0xD800 + "b", ((char)0xDC00).ToString() })
        {
            Assert.Throws<ArgumentException>(() => RotationHistoryJson.Write([new KeyRotationEvent(2, DateTimeOffset.UnixEpoch, by)]));
        }
    }

    // 6. The destroy guard.
    [Fact]
    public async Task Destroy_EmptyLegacyOrMalformedInventory_IsRefusedWithItsOwnException()
    {
        using var manager = new KeyRingManager(new InMemoryKeyRingStore(), NoRefresh);
        await manager.RotateAsync("ops", Ct);
        string current = new EnvelopeEncryptor(manager).EncryptToText([1]);
        string legacy = Convert.ToBase64String(RandomNumberGenerator.GetBytes(12 + 5 + 16));

        var empty = await Assert.ThrowsAsync<KeyDestructionRefusedException>(() => manager.DestroyAsync(1, "ops", KeyUsageInventory.Scan(Array.Empty<string>()), cancellationToken: Ct));
        var withLegacy = await Assert.ThrowsAsync<KeyDestructionRefusedException>(() => manager.DestroyAsync(1, "ops", KeyUsageInventory.Scan([current, legacy]), cancellationToken: Ct));
        var withJunk = await Assert.ThrowsAsync<KeyDestructionRefusedException>(() => manager.DestroyAsync(1, "ops", KeyUsageInventory.Scan([current, "not a ciphertext"]), cancellationToken: Ct));

        Assert.Contains("scanned no ciphertext", empty.Message, StringComparison.Ordinal);
        Assert.Contains("legacy", withLegacy.Message, StringComparison.Ordinal);
        Assert.Contains("unreadable", withJunk.Message, StringComparison.Ordinal);
        Assert.True(manager.Current.Keys[0].HasMaterial);
        await manager.DestroyAsync(1, "ops", KeyUsageInventory.Scan([current]), cancellationToken: Ct);
        Assert.False(manager.Current.Keys[0].HasMaterial);
    }

    [Fact]
    public void Inventory_LegacyBase64Text_CountsAsLegacyNotMalformed()
    {
        var inventory = KeyUsageInventory.Scan([Convert.ToBase64String(new byte[40]), "short", Convert.ToBase64String(new byte[8])]);

        Assert.Equal((1L, 2L), (inventory.Legacy, inventory.Malformed));
    }

    // 7. Rotation under contention: a store that can lock applies the change under its lock.
    [Trait("Category", "Slow")]
    [Fact]
    public async Task Rotate_EightManagersOnOneFile_NeverFailForContentionAndLoseNoVersion()
    {
        const int Hosts = 8, Rotations = 25;
        await new FileKeyRingStore(RingPath, _rootKey).SaveAsync(KeyRing.CreateNew(), 0, Ct);
        var managers = Enumerable.Range(0, Hosts).Select(_ => new KeyRingManager(new FileKeyRingStore(RingPath, _rootKey), NoRefresh)).ToArray();

        await Task.WhenAll(managers.Select((m, i) => Task.Run(
            async () =>
            {
                for (int r = 0; r < Rotations; r++)
                {
                    await m.RotateAsync($"host-{i}", Ct);
                }
            },
            Ct)));

        var ring = (await new FileKeyRingStore(RingPath, _rootKey).LoadAsync(Ct))!.Ring;
        Assert.Equal(Enumerable.Range(1, 1 + (Hosts * Rotations)), ring.Keys.Select(k => k.Version));
        Assert.Equal(Hosts * Rotations, ring.History.Count(e => e.Kind == KeyRingEventKind.Rotated));
        Assert.Empty(Directory.EnumerateFiles(_directory, "*.tmp"));
        foreach (var m in managers)
        {
            m.Dispose();
        }
    }

    // 8. Every key-ring event is logged; a failing refresh says so each time; no key material in any message.
    [Fact]
    public async Task Events_AreLoggedAndARefreshFailureIsAnErrorEachTime()
    {
        var logger = new FakeLogger<KeyRingManager>();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        using var host = new KeyRingManager(new FileKeyRingStore(RingPath, _rootKey), NoRefresh);
        using var manager = new KeyRingManager(
            new FileKeyRingStore(RingPath, _rootKey),
            // The periodic refresh under test; the file watcher would refresh (and fail) on its own schedule.
            new KeyRingOptions { RefreshInterval = TimeSpan.FromSeconds(30), CreateKeyRingIfMissing = true, WatchForChanges = false },
            time,
            logger);
        await manager.InitializeAsync(Ct);
        await manager.RotateAsync("ops", Ct);
        await manager.RetireAsync(1, "ops", Ct);
        await host.RotateAsync("other-host", Ct);
        Assert.True(await manager.RefreshAsync(Ct));

        // Another process re-seals the file under a root key this host does not have.
        var foreign = new FileKeyRingStore(RingPath, FileKeyRingStore.GenerateRootKey());
        File.Delete(RingPath);
        await foreign.SaveAsync(KeyRing.CreateNew(), 0, Ct);
        for (int tick = 0; tick < 2; tick++)
        {
            time.Advance(TimeSpan.FromSeconds(30));
            await WaitUntil(() => logger.Collector.GetSnapshot().Count(r => r.Level == LogLevel.Error) > tick);
        }

        var records = logger.Collector.GetSnapshot();
        Assert.Contains(records, r => r.Id.Name == "Loaded");
        Assert.Contains(records, r => r.Id.Name == "Rotated" && r.Message.Contains("version 2", StringComparison.Ordinal));
        Assert.Contains(records, r => r.Id.Name == "StateChanged" && r.Message.Contains("Retired", StringComparison.Ordinal));
        Assert.Contains(records, r => r.Id.Name == "Refreshed");
        Assert.Equal(2, records.Count(r => r.Id.Name == "RefreshFailed" && r.Level == LogLevel.Error));
        string everything = string.Join("\n", records.Select(r => r.Message + r.Exception));
        foreach (var key in manager.Current.Keys.Where(k => k.HasMaterial))
        {
            var material = new byte[32];
            key.CopyKeyMaterialTo(material);
            Assert.DoesNotContain(Convert.ToBase64String(material), everything, StringComparison.Ordinal);
        }
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (int i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(10, Ct);
        }

        Assert.True(condition());
    }

    // 9. A key in the name position is never echoed.
    [Fact]
    public void Options_KeyAndVersionSwapped_MessageDoesNotShowTheKey()
    {
        string key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var services = new ServiceCollection();
        services.AddVersionedEnvelope().UseStaticKeys(o => { o.Keys[key] = "1"; o.ActiveVersion = 1; });
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<StaticKeyRingOptions>>().Value);

        Assert.DoesNotContain(key, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(error.Failures, f => f.Contains(key, StringComparison.Ordinal));
    }

    // 10. A tampered version landing on a retired one does not invite reinstating the key.
    [Fact]
    public async Task Decrypt_VersionByteFlippedOntoARetiredVersion_DoesNotAdviseReinstating()
    {
        using var manager = new KeyRingManager(new InMemoryKeyRingStore(), NoRefresh);
        await manager.RotateAsync("ops", Ct);
        await manager.RetireAsync(1, "ops", Ct);
        var ciphertext = new EnvelopeEncryptor(manager).Encrypt([1, 2, 3]);
        ciphertext[6] = 1; // v2 -> v1, which is retired

        var error = Assert.Throws<EnvelopeException>(() => new EnvelopeEncryptor(manager).Decrypt(ciphertext));

        Assert.Equal(EnvelopeErrorReason.KeyVersionRetired, error.Reason);
        Assert.DoesNotContain("reinstate it to decrypt", error.Message, StringComparison.Ordinal);
        Assert.Contains("damaged or altered", error.Message, StringComparison.Ordinal);
    }
}
