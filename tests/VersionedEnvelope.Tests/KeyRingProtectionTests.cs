using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using VersionedEnvelope.Storage;

namespace VersionedEnvelope.Tests;

/// <summary>Sealing a ring under protectors: any one opens it, bad input is refused clearly, nothing leaks.</summary>
public sealed class KeyRingProtectionTests : IDisposable
{
    /// <summary>The root key of Data/keyring-root-key-sealed.json, a ring file in the form before protectors (test data only).</summary>
    private static readonly byte[] LegacyRootKey = Convert.FromBase64String("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");

    private readonly string _directory = Directory.CreateTempSubdirectory("ve-protection-").FullName;

    private string RingPath => Path.Combine(_directory, "keyring.json");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Seal_TwoProtectors_EitherOneAloneOpensTheRing()
    {
        var ct = TestContext.Current.CancellationToken;
        var first = new RootKeyProtector(RandomNumberGenerator.GetBytes(32));
        var second = new RootKeyProtector(RandomNumberGenerator.GetBytes(32));
        var ring = KeyRing.CreateNew();
        byte[] document = await new KeyRingProtection([first, second]).SealAsync(ring, 1, "default", ct);

        foreach (var alone in new[] { first, second })
        {
            var opened = await new KeyRingProtection([alone]).OpenAsync(document, "default", "test ring", ct);
            Assert.Equal((1L, 1), (opened.Revision, opened.Ring.ActiveVersion));
            Assert.Equal(Material(ring.ActiveKey), Material(opened.Ring.ActiveKey));
        }

        Assert.Equal([first.KeyId, second.KeyId], KeyRingProtection.GetKeyIds(document, "test ring"));
    }

    [Fact]
    public async Task Seal_TheDocumentHoldsNoKeyMaterialAndNoRootKey()
    {
        var ct = TestContext.Current.CancellationToken;
        byte[] rootKey = RandomNumberGenerator.GetBytes(32);
        var ring = KeyRing.CreateNew();
        string document = Encoding.UTF8.GetString(await new KeyRingProtection([new RootKeyProtector(rootKey)]).SealAsync(ring, 1, "default", ct));

        foreach (byte[] secret in new[] { rootKey, Material(ring.ActiveKey) })
        {
            Assert.DoesNotContain(Convert.ToBase64String(secret), document, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToHexString(secret), document, StringComparison.OrdinalIgnoreCase);
        }

        Assert.DoesNotContain("\"state\"", document, StringComparison.Ordinal); // the whole ring is sealed, not just its keys
    }

    [Fact]
    public async Task Open_WithoutAnyOfItsProtectors_ListsTheKeyIdsItAccepts()
    {
        var ct = TestContext.Current.CancellationToken;
        var owner = new RootKeyProtector(RandomNumberGenerator.GetBytes(32));
        var stranger = new RootKeyProtector(RandomNumberGenerator.GetBytes(32));
        byte[] document = await new KeyRingProtection([owner]).SealAsync(KeyRing.CreateNew(), 1, "default", ct);

        var error = await Assert.ThrowsAsync<KeyRingStoreException>(async () => await new KeyRingProtection([stranger]).OpenAsync(document, "default", "test ring", ct));

        Assert.Contains(owner.KeyId, error.Message, StringComparison.Ordinal);
        Assert.Contains(stranger.KeyId, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_ATamperedWrappedKey_IsRefused_AndTheOtherProtectorStillOpens()
    {
        var ct = TestContext.Current.CancellationToken;
        var first = new RootKeyProtector(RandomNumberGenerator.GetBytes(32));
        var second = new RootKeyProtector(RandomNumberGenerator.GetBytes(32));
        byte[] document = await new KeyRingProtection([first, second]).SealAsync(KeyRing.CreateNew(), 1, "default", ct);
        var json = System.Text.Json.Nodes.JsonNode.Parse(document)!;
        byte[] wrapped = Convert.FromBase64String((string)json["protectors"]![0]!["wrappedKey"]!);
        wrapped[20] ^= 1;
        json["protectors"]![0]!["wrappedKey"] = Convert.ToBase64String(wrapped);
        byte[] tampered = Encoding.UTF8.GetBytes(json.ToJsonString());

        var error = await Assert.ThrowsAsync<KeyRingStoreException>(async () => await new KeyRingProtection([first]).OpenAsync(tampered, "default", "test ring", ct));
        var opened = await new KeyRingProtection([second]).OpenAsync(tampered, "default", "test ring", ct);

        Assert.Contains("altered", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, opened.Ring.ActiveVersion);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(0.99)]
    public async Task Open_ADocumentCutShort_IsRefusedClearly(double kept)
    {
        var ct = TestContext.Current.CancellationToken;
        var protector = new RootKeyProtector(RandomNumberGenerator.GetBytes(32));
        byte[] document = await new KeyRingProtection([protector]).SealAsync(KeyRing.CreateNew(), 1, "default", ct);

        var error = await Assert.ThrowsAsync<KeyRingStoreException>(async () =>
            await new KeyRingProtection([protector]).OpenAsync(document.AsMemory(0, (int)(document.Length * kept)), "default", "test ring", ct));

        Assert.Contains("test ring cannot be read", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_TheSealedRingAlteredOrMovedToAnotherRingName_IsRefused()
    {
        var ct = TestContext.Current.CancellationToken;
        var protector = new RootKeyProtector(RandomNumberGenerator.GetBytes(32));
        var protection = new KeyRingProtection([protector]);
        byte[] document = await protection.SealAsync(KeyRing.CreateNew(), 1, "default", ct);
        var json = System.Text.Json.Nodes.JsonNode.Parse(document)!;
        byte[] sealedRing = Convert.FromBase64String((string)json["sealed"]!);
        sealedRing[40] ^= 1;
        json["sealed"] = Convert.ToBase64String(sealedRing);

        var altered = await Assert.ThrowsAsync<KeyRingStoreException>(async () => await protection.OpenAsync(Encoding.UTF8.GetBytes(json.ToJsonString()), "default", "test ring", ct));
        var moved = await Assert.ThrowsAsync<KeyRingStoreException>(async () => await protection.OpenAsync(document, "other", "test ring", ct));

        Assert.Contains("failed authentication", altered.Message, StringComparison.Ordinal);
        Assert.Contains("'default', not 'other'", moved.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FileStore_ARingFileSealedTheOldWay_IsRead_AndRewrittenInTheProtectedFormAtTheNextSave()
    {
        var ct = TestContext.Current.CancellationToken;
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Data", "keyring-root-key-sealed.json"), RingPath);
        var store = new FileKeyRingStore(RingPath, LegacyRootKey);

        var loaded = (await store.LoadAsync(ct))!;
        Assert.Equal((3L, 2), (loaded.Revision, loaded.Ring.ActiveVersion));
        Assert.Equal(Enumerable.Range(200, 32).Select(i => (byte)i).ToArray(), Material(loaded.Ring.ActiveKey));
        Assert.Equal("ops@example.com", loaded.Ring.History.Single().By);

        using (var manager = new KeyRingManager(store, new KeyRingOptions { RefreshInterval = TimeSpan.Zero }))
        {
            await manager.RotateAsync("ops", ct);
        }

        string rewritten = await File.ReadAllTextAsync(RingPath, ct);
        Assert.Contains("versioned-envelope-protected-ring-1", rewritten, StringComparison.Ordinal);
        var reloaded = (await new FileKeyRingStore(RingPath, LegacyRootKey).LoadAsync(ct))!;
        Assert.Equal((4L, 3), (reloaded.Revision, reloaded.Ring.ActiveVersion));
        Assert.Equal(Enumerable.Range(200, 32).Select(i => (byte)i).ToArray(), Material(reloaded.Ring.Keys[1]));
    }

    [Fact]
    public async Task FileStore_AnOldRingFile_WithoutARootKeyProtector_SaysHowToReadIt()
    {
        var ct = TestContext.Current.CancellationToken;
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Data", "keyring-root-key-sealed.json"), RingPath);
        var store = new FileKeyRingStore(RingPath, new KeyRingProtection([new FakeHsmProtector("hsm:one")]));

        var error = await Assert.ThrowsAsync<KeyRingStoreException>(async () => await store.LoadAsync(ct));

        Assert.Contains("ProtectKeysWithRootKey", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reprotect_AddsAProtectorAndRemovesTheRootKey_WithoutTouchingTheRing()
    {
        var ct = TestContext.Current.CancellationToken;
        var rootKey = new RootKeyProtector(RandomNumberGenerator.GetBytes(32));
        var hsm = new FakeHsmProtector("hsm:one");
        var ring = KeyRing.CreateNew();
        byte[] document = await new KeyRingProtection([rootKey]).SealAsync(ring, 5, "default", ct);

        byte[] moved = await new KeyRingProtection([rootKey]).ReprotectAsync(document, "default", "test ring", [hsm], [rootKey.KeyId], ct);

        Assert.Equal(["hsm:one"], KeyRingProtection.GetKeyIds(moved, "test ring"));
        var opened = await new KeyRingProtection([hsm]).OpenAsync(moved, "default", "test ring", ct);
        Assert.Equal(5L, opened.Revision);
        Assert.Equal(Material(ring.ActiveKey), Material(opened.Ring.ActiveKey));
        await Assert.ThrowsAsync<KeyRingStoreException>(async () => await new KeyRingProtection([rootKey]).OpenAsync(moved, "default", "test ring", ct));
        var json = System.Text.Json.Nodes.JsonNode.Parse(document)!;
        Assert.Equal((string)json["sealed"]!, (string)System.Text.Json.Nodes.JsonNode.Parse(moved)!["sealed"]!); // the ring inside is untouched
    }

    [Fact]
    public async Task Reprotect_RemovingTheLastProtectorThisHostCanOpen_IsRefused()
    {
        var ct = TestContext.Current.CancellationToken;
        var rootKey = new RootKeyProtector(RandomNumberGenerator.GetBytes(32));
        byte[] document = await new KeyRingProtection([rootKey, new FakeHsmProtector("hsm:elsewhere")]).SealAsync(KeyRing.CreateNew(), 1, "default", ct);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await new KeyRingProtection([rootKey]).ReprotectAsync(document, "default", "test ring", [], [rootKey.KeyId], ct));
        var unknown = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await new KeyRingProtection([rootKey]).ReprotectAsync(document, "default", "test ring", [], ["hsm:never"], ct));

        Assert.Contains("no protector this host can open", error.Message, StringComparison.Ordinal);
        Assert.Contains("'hsm:never'", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Protection_WithoutAProtectorOrWithTwoOfOneKeyId_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => new KeyRingProtection([]));
        Assert.Throws<ArgumentException>(() => new KeyRingProtection([new FakeHsmProtector("same"), new FakeHsmProtector("same")]));
    }

    [Fact]
    public async Task DependencyInjection_ProtectKeysWithTwice_PersistKeysToFile_SealsForBoth()
    {
        var ct = TestContext.Current.CancellationToken;
        var two = new FakeHsmProtector("hsm:two");
        var services = new ServiceCollection();
        services.AddVersionedEnvelope()
            .ProtectKeysWith(new FakeHsmProtector("hsm:one"))
            .ProtectKeysWith(_ => two)
            .PersistKeysToFile(RingPath)
            .ConfigureKeyRing(o => o.CreateKeyRingIfMissing = true);
        await using (var provider = services.BuildServiceProvider())
        {
            await provider.GetRequiredService<KeyRingManager>().InitializeAsync(ct);
        }

        Assert.Equal(["hsm:one", "hsm:two"], KeyRingProtection.GetKeyIds(await File.ReadAllBytesAsync(RingPath, ct), "test ring"));
        var store = new FileKeyRingStore(RingPath, new KeyRingProtection([two]));
        Assert.Equal(1, (await store.LoadAsync(ct))!.Ring.ActiveVersion);
    }

    [Fact]
    public void RootKeyProtector_NeverShowsTheKey()
    {
        byte[] key = RandomNumberGenerator.GetBytes(32);
        var protector = new RootKeyProtector(key);

        Assert.StartsWith("root-key:", protector.KeyId, StringComparison.Ordinal);
        Assert.Equal(protector.KeyId, protector.ToString());
        Assert.DoesNotContain(Convert.ToHexString(key)[..16], protector.KeyId, StringComparison.OrdinalIgnoreCase);
        Assert.Throws<ArgumentException>(() => new RootKeyProtector(new byte[16]));
    }

    [Fact]
    public async Task ProtectionErrors_NeverContainARootKeyOrKeyMaterial()
    {
        var ct = TestContext.Current.CancellationToken;
        byte[] owner = RandomNumberGenerator.GetBytes(32), stranger = RandomNumberGenerator.GetBytes(32);
        var ring = KeyRing.CreateNew();
        byte[] document = await new KeyRingProtection([new RootKeyProtector(owner)]).SealAsync(ring, 1, "default", ct);
        byte[] tampered = (byte[])document.Clone();
        tampered[document.Length / 2] ^= 1;
        var errors = new List<Exception>
        {
            await Assert.ThrowsAsync<KeyRingStoreException>(async () => await new KeyRingProtection([new RootKeyProtector(stranger)]).OpenAsync(document, "default", "ring", ct)),
            await Assert.ThrowsAnyAsync<Exception>(async () => await new KeyRingProtection([new RootKeyProtector(owner)]).OpenAsync(tampered, "default", "ring", ct)),
            await Assert.ThrowsAsync<KeyRingStoreException>(async () => await new KeyRingProtection([new RootKeyProtector(owner)]).OpenAsync(document.AsMemory(0, 100), "default", "ring", ct)),
        };

        string texts = string.Join("\n", errors.Select(e => e.ToString())) + new RootKeyProtector(owner) + new KeyRingProtection([new RootKeyProtector(owner)]);
        foreach (byte[] secret in new[] { owner, stranger, Material(ring.ActiveKey) })
        {
            Assert.DoesNotContain(Convert.ToBase64String(secret), texts, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToHexString(secret), texts, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task KeyRingManager_Reprotect_SealsTheRingUnderTheProtectorsConfiguredNow_WithAnAuditEvent()
    {
        var ct = TestContext.Current.CancellationToken;
        var rootKey = new RootKeyProtector(RandomNumberGenerator.GetBytes(32));
        var hsm = new FakeHsmProtector("hsm:one");
        using (var before = new KeyRingManager(new FileKeyRingStore(RingPath, new KeyRingProtection([rootKey])), new KeyRingOptions { RefreshInterval = TimeSpan.Zero, CreateKeyRingIfMissing = true }))
        {
            await before.InitializeAsync(ct);
        }

        using (var moving = new KeyRingManager(new FileKeyRingStore(RingPath, new KeyRingProtection([hsm, rootKey])), new KeyRingOptions { RefreshInterval = TimeSpan.Zero }))
        {
            await moving.ReprotectAsync("ops", ct);
            Assert.Equal((KeyRingEventKind.Reprotected, "ops"), (moving.Current.History[^1].Kind, moving.Current.History[^1].By));
        }

        Assert.Equal(["hsm:one", rootKey.KeyId], KeyRingProtection.GetKeyIds(await File.ReadAllBytesAsync(RingPath, ct), "ring"));
        using var after = new KeyRingManager(new FileKeyRingStore(RingPath, new KeyRingProtection([hsm])), new KeyRingOptions { RefreshInterval = TimeSpan.Zero });
        await after.ReprotectAsync("ops", ct); // the root key is no longer configured: the next save drops it
        Assert.Equal(["hsm:one"], KeyRingProtection.GetKeyIds(await File.ReadAllBytesAsync(RingPath, ct), "ring"));
        Assert.Empty(after.GetRotationHistory());
    }

    private static byte[] Material(EnvelopeKey key)
    {
        var material = new byte[32];
        key.CopyKeyMaterialTo(material);
        return material;
    }

    /// <summary>A stand-in for an HSM or KMS key: AES-GCM under a key of its own, the key id as associated data.</summary>
    private sealed class FakeHsmProtector(string keyId) : IKeyRingProtector
    {
        private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

        public string KeyId => keyId;

        public ValueTask<byte[]> WrapKeyAsync(ReadOnlyMemory<byte> key, CancellationToken cancellationToken = default)
        {
            var wrapped = new byte[12 + key.Length + 16];
            RandomNumberGenerator.Fill(wrapped.AsSpan(0, 12));
            using var aes = new AesGcm(_key, 16);
            aes.Encrypt(wrapped.AsSpan(0, 12), key.Span, wrapped.AsSpan(12, key.Length), wrapped.AsSpan(12 + key.Length), Encoding.UTF8.GetBytes(keyId));
            return ValueTask.FromResult(wrapped);
        }

        public ValueTask<byte[]> UnwrapKeyAsync(string storedKeyId, ReadOnlyMemory<byte> wrappedKey, CancellationToken cancellationToken = default)
        {
            var key = new byte[wrappedKey.Length - 28];
            using var aes = new AesGcm(_key, 16);
            aes.Decrypt(wrappedKey.Span[..12], wrappedKey.Span.Slice(12, key.Length), wrappedKey.Span[^16..], key, Encoding.UTF8.GetBytes(storedKeyId));
            return ValueTask.FromResult(key);
        }
    }
}
