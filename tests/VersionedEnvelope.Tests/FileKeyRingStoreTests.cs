using VersionedEnvelope.Storage;

namespace VersionedEnvelope.Tests;

public sealed class FileKeyRingStoreTests : IDisposable
{
    private static readonly KeyRingOptions Options = new() { RefreshInterval = TimeSpan.Zero, CreateKeyRingIfMissing = true };
    private readonly string _directory = Directory.CreateTempSubdirectory("ve-ring-").FullName;
    private readonly byte[] _rootKey = FileKeyRingStore.GenerateRootKey();

    private string RingPath => Path.Combine(_directory, "keyring.json");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task SaveThenLoad_RoundTripsKeysStatesAndHistory()
    {
        var ct = TestContext.Current.CancellationToken;
        using (var manager = new KeyRingManager(new FileKeyRingStore(RingPath, _rootKey), Options))
        {
            await manager.RotateAsync("user_123", ct);
            await manager.RetireAsync(1, "ops", ct);
        }

        var loaded = await new FileKeyRingStore(RingPath, _rootKey).LoadAsync(ct);

        Assert.NotNull(loaded);
        Assert.Equal(2, loaded.Revision); // created and rotated in one save under the file's lock, then retired

        Assert.Equal([KeyState.Retired, KeyState.Active], loaded.Ring.Keys.Select(k => k.State));
        Assert.Equal(["user_123", "ops"], loaded.Ring.History.Select(e => e.By));
    }

    [Fact]
    public async Task Load_KeyMaterialSurvivesAndIsNotStoredInClear()
    {
        var ct = TestContext.Current.CancellationToken;
        var ring = KeyRing.CreateNew();
        await new FileKeyRingStore(RingPath, _rootKey).SaveAsync(ring, 0, ct);
        var ciphertext = new EnvelopeEncryptor(ring).Encrypt([4, 2]);
        var material = new byte[32];
        ring.ActiveKey.CopyKeyMaterialTo(material);

        var loaded = (await new FileKeyRingStore(RingPath, _rootKey).LoadAsync(ct))!.Ring;

        Assert.Equal([4, 2], new EnvelopeEncryptor(loaded).Decrypt(ciphertext).Plaintext);
        string file = await File.ReadAllTextAsync(RingPath, ct);
        Assert.DoesNotContain(Convert.ToBase64String(material), file, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToHexString(material), file, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Load_WrongRootKey_FailsClearlyAndLeavesFile()
    {
        var ct = TestContext.Current.CancellationToken;
        await new FileKeyRingStore(RingPath, _rootKey).SaveAsync(KeyRing.CreateNew(), 0, ct);
        var before = await File.ReadAllBytesAsync(RingPath, ct);

        var error = await Assert.ThrowsAsync<KeyRingStoreException>(async () => await new FileKeyRingStore(RingPath, FileKeyRingStore.GenerateRootKey()).LoadAsync(ct));

        // The root key the file accepts is named by its key id (a fingerprint), and so is this host's.
        Assert.Contains("cannot be opened by this host: it accepts 'root-key:", error.Message, StringComparison.Ordinal);
        Assert.Contains(new RootKeyProtector(_rootKey).KeyId, error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(RingPath, ct));
    }

    [Theory]
    [InlineData("truncate")]
    [InlineData("garbage")]
    [InlineData("flip-material")]
    [InlineData("empty")]
    public async Task LoadAndSave_CorruptedFile_FailClearlyAndLeaveFile(string damage)
    {
        var ct = TestContext.Current.CancellationToken;
        var store = new FileKeyRingStore(RingPath, _rootKey);
        await store.SaveAsync(KeyRing.CreateNew(), 0, ct);
        var bytes = await File.ReadAllBytesAsync(RingPath, ct);
        byte[] damaged = damage switch
        {
            "truncate" => bytes[..(bytes.Length / 2)],
            "garbage" => "not json at all"u8.ToArray(),
            "empty" => [],
            _ => FlipMaterial(bytes),
        };
        await File.WriteAllBytesAsync(RingPath, damaged, ct);

        await Assert.ThrowsAsync<KeyRingStoreException>(async () => await store.LoadAsync(ct));
        await Assert.ThrowsAsync<KeyRingStoreException>(async () => await store.SaveAsync(KeyRing.CreateNew(), 1, ct));

        Assert.Equal(damaged, await File.ReadAllBytesAsync(RingPath, ct));
    }

    [Fact]
    public async Task Save_CrashBetweenWriteAndRename_LeavesOldFileReadable()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = new FileKeyRingStore(RingPath, _rootKey);
        var ring = KeyRing.CreateNew();
        await store.SaveAsync(ring, 0, ct);
        store.BeforeRename = _ => throw new IOException("simulated crash");

        await Assert.ThrowsAsync<IOException>(async () => await store.SaveAsync(ring.With(EnvelopeKey.Generate(2, KeyState.DecryptOnly, DateTimeOffset.UtcNow)), 1, ct));

        var loaded = await new FileKeyRingStore(RingPath, _rootKey).LoadAsync(ct);
        Assert.Equal((1L, 1), (loaded!.Revision, loaded.Ring.Keys.Count));
        Assert.Equal(["keyring.json", "keyring.json.lock"], Directory.GetFiles(_directory).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task Save_StaleRevision_ThrowsConcurrencyError()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = new FileKeyRingStore(RingPath, _rootKey);
        await store.SaveAsync(KeyRing.CreateNew(), 0, ct);
        await store.SaveAsync(KeyRing.CreateNew(), 1, ct);

        var error = await Assert.ThrowsAsync<KeyRingConcurrencyException>(async () => await store.SaveAsync(KeyRing.CreateNew(), 1, ct));

        Assert.Equal((1L, 2L), (error.ExpectedRevision, error.ActualRevision));
    }

    [Fact]
    public async Task RotateAsync_TwoStoresOnOneFile_LoseNoVersionOrEvent()
    {
        var ct = TestContext.Current.CancellationToken;
        await new FileKeyRingStore(RingPath, _rootKey).SaveAsync(KeyRing.CreateNew(), 0, ct);
        using var first = new KeyRingManager(new FileKeyRingStore(RingPath, _rootKey), Options);
        using var second = new KeyRingManager(new FileKeyRingStore(RingPath, () => (byte[])_rootKey.Clone()), Options);

        var attempts = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(
            async () =>
            {
                try
                {
                    return (KeyRotationEvent?)await (i % 2 == 0 ? first : second).RotateAsync($"host{i % 2}", ct);
                }
                catch (KeyRingConcurrencyException)
                {
                    return null; // failing cleanly is allowed; losing a version or an event is not
                }
            },
            ct)));

        var rotations = attempts.OfType<KeyRotationEvent>().ToList();
        var ring = (await new FileKeyRingStore(RingPath, _rootKey).LoadAsync(ct))!.Ring;
        Assert.True(rotations.Count >= 6, $"only {rotations.Count} of 12 rotations succeeded");
        Assert.Equal(Enumerable.Range(2, rotations.Count), rotations.Select(r => r.Version).Order());
        Assert.Equal(1 + rotations.Count, ring.ActiveVersion);
        Assert.Equal(rotations.Count, ring.History.Count);
    }

    [Fact]
    public async Task Load_MissingFile_ReturnsNull() =>
        Assert.Null(await new FileKeyRingStore(Path.Combine(_directory, "none", "ring.json"), _rootKey).LoadAsync(TestContext.Current.CancellationToken));

    [Fact]
    public void Constructor_RootKeyOfWrongLength_Throws() =>
        Assert.Throws<ArgumentException>(() => new FileKeyRingStore(RingPath, new byte[16]));

    private static byte[] FlipMaterial(byte[] bytes)
    {
        string text = System.Text.Encoding.UTF8.GetString(bytes);
        int at = text.IndexOf("\"material\": \"", StringComparison.Ordinal) + 20;
        char replacement = text[at] == 'A' ? 'B' : 'A';
        return System.Text.Encoding.UTF8.GetBytes(string.Concat(text.AsSpan(0, at), replacement.ToString(), text.AsSpan(at + 1)));
    }
}
