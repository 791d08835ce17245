using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using VersionedEnvelope.Storage;

namespace VersionedEnvelope.Tests;

public sealed class RotationTests
{
    private static readonly KeyRingOptions NoRefresh = new() { RefreshInterval = TimeSpan.Zero, CreateKeyRingIfMissing = true };
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 27, 8, 27, 32, 123, TimeSpan.Zero));

    private KeyRingManager Manager(IKeyRingStore? store = null) => new(store ?? new InMemoryKeyRingStore(), NoRefresh, _time);

    [Fact]
    public async Task RotateAsync_OldCiphertextsStillDecryptAndNeedReencryption()
    {
        using var manager = Manager();
        var encryptor = new EnvelopeEncryptor(manager);
        string old = encryptor.EncryptString("secret", "row:1");

        var rotation = await manager.RotateAsync("user_123", TestContext.Current.CancellationToken);

        Assert.Equal(new KeyRotationEvent(2, _time.GetUtcNow(), "user_123"), rotation);
        Assert.Equal(2, encryptor.ActiveKeyVersion);
        var result = encryptor.DecryptText(old, "row:1"u8.ToArray());
        Assert.Equal((1, true), (result.KeyVersion, result.NeedsReencryption));
        Assert.StartsWith("ve1:v2:", encryptor.EncryptString("new"), StringComparison.Ordinal);
        Assert.Equal(KeyState.DecryptOnly, manager.Current.Keys[0].State);
    }

    [Fact]
    public void AuditEntries_AreEqualByValue_AndDescribeThemselves()
    {
        var at = _time.GetUtcNow();
        var rotation = new KeyRotationEvent(2, at, "user_123");
        var ringEvent = new KeyRingEvent(KeyRingEventKind.Rotated, 2, at, "user_123");

        Assert.Equal(new KeyRotationEvent(2, at, "user_123"), rotation);
        Assert.Equal(new KeyRotationEvent(2, at, "user_123").GetHashCode(), rotation.GetHashCode());
        Assert.NotEqual(new KeyRotationEvent(3, at, "user_123"), rotation);
        Assert.NotEqual(new KeyRotationEvent(2, at, "USER_123"), rotation);
        Assert.Equal(new KeyRingEvent(KeyRingEventKind.Rotated, 2, at, "user_123"), ringEvent);
        Assert.NotEqual(new KeyRingEvent(KeyRingEventKind.Retired, 2, at, "user_123"), ringEvent);
        Assert.False(rotation.Equals(null));
        Assert.Equal("v2 at 2026-01-27T08:27:32.123Z by user_123", rotation.ToString());
        Assert.Equal("Rotated v2 at 2026-01-27T08:27:32.123Z by user_123", ringEvent.ToString());
    }

    [Fact]
    public async Task RotationHistory_MatchesKeyRotationHistoryShape()
    {
        using var manager = Manager();
        await manager.RotateAsync("user_123", TestContext.Current.CancellationToken);
        _time.Advance(TimeSpan.FromDays(93));
        await manager.RotateAsync("ops@example.com", TestContext.Current.CancellationToken);
        await manager.RetireAsync(1, "ops@example.com", TestContext.Current.CancellationToken);

        string json = RotationHistoryJson.Write(manager.GetRotationHistory());

        Assert.Equal("[{\"version\":2,\"rotatedAt\":\"2026-01-27T08:27:32.123Z\",\"rotatedBy\":\"user_123\"},{\"version\":3,\"rotatedAt\":\"2026-04-30T08:27:32.123Z\",\"rotatedBy\":\"ops@example.com\"}]", json);
        Assert.Equal(manager.GetRotationHistory(), RotationHistoryJson.Parse(json));
        Assert.Equal(KeyRingEventKind.Retired, manager.Current.History[^1].Kind);
    }

    [Fact]
    public async Task RotateAsync_StaticStore_FailsSayingHowToEnableRotation()
    {
        using var manager = new KeyRingManager(new StaticKeyRingStore(KeyRing.CreateNew()));

        var error = await Assert.ThrowsAsync<NotSupportedException>(() => manager.RotateAsync("ops", TestContext.Current.CancellationToken));

        Assert.Contains("PersistKeysToFile", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RetireReinstateDestroy_FollowRulesAndRecordEvents()
    {
        using var manager = Manager();
        var ct = TestContext.Current.CancellationToken;
        await manager.RotateAsync("ops", ct);
        var encryptor = new EnvelopeEncryptor(manager);
        var v2Ciphertext = encryptor.Encrypt([1]);

        await Assert.ThrowsAsync<InvalidOperationException>(() => manager.RetireAsync(2, "ops", ct));
        await manager.RetireAsync(1, "ops", ct);
        await manager.ReinstateAsync(1, "ops", ct);
        await Assert.ThrowsAsync<KeyDestructionRefusedException>(() => manager.DestroyAsync(1, "ops", inventory: null, cancellationToken: ct));
        await Assert.ThrowsAsync<InvalidOperationException>(() => manager.DestroyAsync(2, "ops", KeyUsageInventory.Scan(Array.Empty<string>()), cancellationToken: ct));
        var stillUsed = KeyUsageInventory.Scan([new EnvelopeEncryptor(Vectors.KeyRing(1)).EncryptToText([1])]);
        var error = await Assert.ThrowsAsync<KeyDestructionRefusedException>(() => manager.DestroyAsync(1, "ops", stillUsed, cancellationToken: ct));
        Assert.Contains("1 ciphertexts", error.Message, StringComparison.Ordinal);
        await manager.DestroyAsync(1, "ops", KeyUsageInventory.Scan([encryptor.EncryptToText([1])]), cancellationToken: ct);

        Assert.False(manager.Current.Keys[0].HasMaterial);
        Assert.Equal([KeyRingEventKind.Rotated, KeyRingEventKind.Retired, KeyRingEventKind.Reinstated, KeyRingEventKind.Destroyed], manager.Current.History.Select(e => e.Kind));
        Assert.Equal([1], encryptor.Decrypt(v2Ciphertext).Plaintext);
        await Assert.ThrowsAsync<InvalidOperationException>(() => manager.ReinstateAsync(1, "ops", ct));
    }

    [Fact]
    public async Task DestroyAsync_Forced_DestroysEvenWhenUsed()
    {
        using var manager = Manager();
        var ct = TestContext.Current.CancellationToken;
        var old = new EnvelopeEncryptor(manager).Encrypt([1]);
        await manager.RotateAsync("ops", ct);

        await manager.DestroyAsync(1, "ops", KeyUsageInventory.Scan([old]), force: true, ct);

        Assert.Equal(EnvelopeErrorReason.UnknownKeyVersion, Assert.Throws<EnvelopeException>(() => new EnvelopeEncryptor(manager).Decrypt(old)).Reason);
    }

    [Fact]
    public async Task RotateAsync_TwoHostsAtOnce_CreateDistinctVersionsAndKeepEveryEvent()
    {
        var store = new InMemoryKeyRingStore(KeyRing.CreateNew());
        using var first = Manager(store);
        using var second = Manager(store);

        var attempts = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
        {
            try
            {
                return (KeyRotationEvent?)await (i % 2 == 0 ? first : second).RotateAsync($"host{i % 2}", TestContext.Current.CancellationToken);
            }
            catch (KeyRingConcurrencyException)
            {
                return null; // failing cleanly is allowed; losing an event is not
            }
        })));

        var rotations = attempts.OfType<KeyRotationEvent>().ToList();
        var stored = (await store.LoadAsync(TestContext.Current.CancellationToken))!.Ring;
        Assert.True(rotations.Count >= 10, $"only {rotations.Count} of 20 rotations succeeded");
        Assert.Equal(rotations.Count, rotations.Select(r => r.Version).Distinct().Count());
        Assert.Equal(Enumerable.Range(2, rotations.Count), rotations.Select(r => r.Version).Order());
        Assert.Equal(1 + rotations.Count, stored.ActiveVersion);
        Assert.Equal(rotations.Count, stored.History.Count);
        Assert.Single(stored.Keys, k => k.State == KeyState.Active);
    }

    [Fact]
    public async Task Decrypt_VersionCreatedByAnotherHost_ReloadsOnce()
    {
        var store = new InMemoryKeyRingStore(KeyRing.CreateNew());
        using var writer = Manager(store);
        using var reader = Manager(store);
        var readerEncryptor = new EnvelopeEncryptor(reader);
        Assert.Equal(1, readerEncryptor.ActiveKeyVersion);

        await writer.RotateAsync("ops", TestContext.Current.CancellationToken);
        var fresh = new EnvelopeEncryptor(writer).Encrypt([5]);

        Assert.Equal([5], readerEncryptor.Decrypt(fresh).Plaintext);
        Assert.Equal(2, readerEncryptor.ActiveKeyVersion);
    }

    [Fact]
    public async Task RefreshTimer_PicksUpOtherHostsRotation()
    {
        var store = new InMemoryKeyRingStore(KeyRing.CreateNew());
        using var writer = Manager(store);
        using var reader = new KeyRingManager(store, new KeyRingOptions { RefreshInterval = TimeSpan.FromSeconds(30) }, _time);
        Assert.Equal(1, reader.Current.ActiveVersion);

        await writer.RotateAsync("ops", TestContext.Current.CancellationToken);
        _time.Advance(TimeSpan.FromSeconds(31));

        for (int i = 0; i < 200 && reader.Current.ActiveVersion != 2; i++)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        Assert.Equal(2, reader.Current.ActiveVersion);
    }

    [Fact]
    public void Current_EmptyStoreWithoutCreate_FailsClearly()
    {
        using var manager = new KeyRingManager(new InMemoryKeyRingStore(), new KeyRingOptions { RefreshInterval = TimeSpan.Zero });

        var error = Assert.Throws<InvalidOperationException>(() => manager.Current);

        Assert.Contains("CreateKeyRingIfMissing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EncryptDecrypt_DuringRotations_NeverFail()
    {
        using var manager = Manager();
        var encryptor = new EnvelopeEncryptor(manager);
        using var stop = new CancellationTokenSource();
        int failures = 0;
        long operations = 0;
        var workers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                var ciphertext = encryptor.Encrypt([1, 2, 3], [9]);
                try
                {
                    if (encryptor.Decrypt(ciphertext, [9]).Plaintext.Length != 3)
                    {
                        Interlocked.Increment(ref failures);
                    }
                }
                catch (EnvelopeException)
                {
                    Interlocked.Increment(ref failures);
                }

                Interlocked.Increment(ref operations);
            }
        })).ToArray();

        for (int i = 0; i < 30; i++)
        {
            await manager.RotateAsync("ops", TestContext.Current.CancellationToken);
            await Task.Delay(2, TestContext.Current.CancellationToken);
        }

        await stop.CancelAsync();
        await Task.WhenAll(workers);
        Assert.Equal(0, failures);
        Assert.True(operations > 0);
        Assert.Equal(31, manager.Current.ActiveVersion);
    }

    [Fact]
    public void RotationHistoryJson_ValidSamples_RoundTripByteForByte()
    {
        foreach (var sample in SchemaSamples("valid"))
        {
            string json = sample.GetProperty("json").GetString()!;
            Assert.Equal(json, RotationHistoryJson.Write(RotationHistoryJson.Parse(json)));
        }
    }

    [Fact]
    public void RotationHistoryJson_InvalidSamples_AreRejected()
    {
        foreach (var sample in SchemaSamples("invalid"))
        {
            var error = Assert.Throws<JsonException>(() => RotationHistoryJson.Parse(sample.GetProperty("json").GetString()!));
            Assert.StartsWith("keyRotationHistory JSON is not valid", error.Message, StringComparison.Ordinal);
        }

        Assert.Throws<JsonException>(() => RotationHistoryJson.Parse("{}"));
        Assert.Throws<JsonException>(() => RotationHistoryJson.Parse("[{\"version\":2,\"rotatedAt\":\"2026-01-27T08:27:32.000Z\",\"rotatedBy\":\"\"}]"));
        Assert.Throws<JsonException>(() => RotationHistoryJson.Parse("[{\"version\":2,\"rotatedAt\":\"2026-01-27T08:27:32.000Z\",\"rotatedBy\":\"u\",\"x\":1}]"));
        Assert.Throws<JsonException>(() => RotationHistoryJson.Parse("[{\"version\":2,"));
    }

    private static IEnumerable<JsonElement> SchemaSamples(string kind)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vectors", "schemas.json")));
        return [.. document.RootElement.GetProperty("keyRotationHistory").GetProperty(kind).EnumerateArray().Select(e => e.Clone())];
    }
}
