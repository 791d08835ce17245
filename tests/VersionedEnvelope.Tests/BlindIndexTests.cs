using System.Globalization;
using System.Text.Json;
using FsCheck;
using FsCheck.Xunit;
using VersionedEnvelope.Storage;

namespace VersionedEnvelope.Tests;

/// <summary>Blind indexes: the bi1 vectors made apart from this code, index keys in the ring, and the planner.</summary>
public sealed class BlindIndexTests
{
    private static readonly Lazy<JsonDocument> BlindVectors = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vectors", "blind-index.json"))));

    public static TheoryData<int> CaseNumbers() => [.. Enumerable.Range(0, BlindVectors.Value.RootElement.GetProperty("cases").GetArrayLength())];

    private static JsonElement Case(int n) => BlindVectors.Value.RootElement.GetProperty("cases")[n];

    [Theory]
    [MemberData(nameof(CaseNumbers))]
    public void Compute_MatchesTheIndependentVectors(int n)
    {
        var c = Case(n);
        string index = BlindIndexer.Compute(
            Convert.FromHexString(c.GetProperty("indexKey").GetString()!),
            c.GetProperty("indexKeyVersion").GetInt32(),
            c.GetProperty("name").GetString()!,
            c.GetProperty("bits").GetInt32(),
            c.GetProperty("value").GetString()!);

        Assert.Equal(c.GetProperty("expected").GetString(), index);
    }

    [Theory]
    [MemberData(nameof(CaseNumbers))]
    public void Indexer_OverARing_MatchesTheVectors_UnderItsNewestIndexKey(int n)
    {
        var c = Case(n);
        int version = c.GetProperty("indexKeyVersion").GetInt32();
        var indexKeys = Enumerable.Range(1, version).Select(v => new EnvelopeKey(
            v,
            v == version ? KeyState.Active : KeyState.DecryptOnly,
            v == version ? Convert.FromHexString(c.GetProperty("indexKey").GetString()!) : new byte[32],
            DateTimeOffset.UnixEpoch));
        var ring = new KeyRing([EnvelopeKey.Generate(1, KeyState.Active, DateTimeOffset.UnixEpoch)], null, indexKeys);
        var indexer = new BlindIndexer(new StaticKeyRingProvider(ring));

        string expected = c.GetProperty("expected").GetString()!;
        Assert.Equal(expected, indexer.Compute(c.GetProperty("name").GetString()!, c.GetProperty("bits").GetInt32(), c.GetProperty("value").GetString()!));
        var lookup = indexer.ComputeForLookup(c.GetProperty("name").GetString()!, c.GetProperty("bits").GetInt32(), c.GetProperty("value").GetString()!);
        Assert.Equal(version, lookup.Count);
        Assert.Equal(expected, lookup[0]);
    }

    [Fact]
    public void Vectors_CoverTruncationToOddBits_AndEveryIndexKeyVersion()
    {
        var cases = BlindVectors.Value.RootElement.GetProperty("cases").EnumerateArray().ToList();
        Assert.Contains(cases, c => c.GetProperty("bits").GetInt32() % 8 != 0);
        Assert.Contains(cases, c => c.GetProperty("bits").GetInt32() == 256);
        Assert.True(cases.Select(c => c.GetProperty("indexKeyVersion").GetInt32()).Distinct().Count() > 1);
    }

    [Property(MaxTest = 200)]
    public void Truncation_KeepsThePrefixOfTheFullHmac_WithTheUnusedBitsZero(NonNull<string> value, byte bitsSeed)
    {
        int bits = BlindIndexer.MinBits + (bitsSeed % (BlindIndexer.MaxBits - BlindIndexer.MinBits + 1));
        byte[] key = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        byte[] full = Decode(BlindIndexer.Compute(key, 1, "T.P", 256, value.Get));
        byte[] cut = Decode(BlindIndexer.Compute(key, 1, "T.P", bits, value.Get));

        Assert.Equal((bits + 7) / 8, cut.Length);
        int whole = bits / 8;
        Assert.Equal(full[..whole], cut[..whole]);
        if (bits % 8 != 0)
        {
            byte mask = (byte)(0xFF << (8 - (bits % 8)));
            Assert.Equal(full[whole] & mask, cut[whole]);
        }
    }

    [Fact]
    public void EachName_GetsItsOwnKey()
    {
        byte[] key = new byte[32];
        Assert.NotEqual(BlindIndexer.Compute(key, 1, "User.Email", 256, "a@example.com"), BlindIndexer.Compute(key, 1, "User.Phone", 256, "a@example.com"));
    }

    [Theory]
    [InlineData(7)]
    [InlineData(257)]
    [InlineData(0)]
    public void Bits_OutsideTheRange_AreRefused(int bits) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => BlindIndexer.Compute(new byte[32], 1, "T.P", bits, "x"));

    [Fact]
    public void ARingWithoutIndexKeys_IsRefusedWithAClearError()
    {
        var ring = new KeyRing([EnvelopeKey.Generate(1, KeyState.Active, DateTimeOffset.UnixEpoch)]);
        var indexer = new BlindIndexer(new StaticKeyRingProvider(ring));

        var error = Assert.Throws<EnvelopeException>(() => indexer.Compute("T.P", 32, "x"));

        Assert.Equal(EnvelopeErrorReason.UnknownKeyVersion, error.Reason);
        Assert.Contains("RotateIndexKeyAsync", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bi1:v1:Z3DPeg", true, 1)]
    [InlineData("bi1:v12:abc", true, 12)]
    [InlineData("bi1:v:abc", false, 0)]
    [InlineData("bi1:v0:abc", false, 0)]
    [InlineData("ve1:v1:abc", false, 0)]
    [InlineData("bi1:vx:abc", false, 0)]
    [InlineData(null, false, 0)]
    public void TryGetIndexKeyVersion_ReadsOnlyBi1(string? index, bool ok, int version)
    {
        Assert.Equal(ok, BlindIndexer.TryGetIndexKeyVersion(index, out int read));
        Assert.Equal(version, read);
    }

    [Theory]
    [InlineData(1L, 8)]
    [InlineData(511L, 8)]
    [InlineData(10_000L, 12)]
    [InlineData(1_000_000L, 18)]
    [InlineData(1_000_000_000L, 28)]
    [InlineData(long.MaxValue, 61)]
    public void RecommendBits_FollowsTheRule(long rows, int bits) => Assert.Equal(bits, BlindIndexPlanner.RecommendBits(rows));

    [Property(MaxTest = 300)]
    public void RecommendBits_KeepsRowsPerValueBetweenTwoAndTheSquareRootOfRows(PositiveInt seed)
    {
        long rows = 512 + ((long)seed.Get * 7919);
        int bits = BlindIndexPlanner.RecommendBits(rows);
        double perValue = BlindIndexPlanner.ExpectedRowsPerValue(rows, bits);

        Assert.InRange(perValue, 2, Math.Sqrt(rows));
        Assert.True(BlindIndexPlanner.ExpectedRowsPerValue(rows, bits + 1) < 2, "one more bit would leave fewer than 2 rows per value");
    }

    [Fact]
    public void RecommendBits_RefusesNoRows() => Assert.Throws<ArgumentOutOfRangeException>(() => BlindIndexPlanner.RecommendBits(0));

    [Fact]
    public async Task RotateIndexKey_AddsAVersion_Audited_AndLeavesDataKeysAlone_AndTheOtherWayRound()
    {
        using var manager = new KeyRingManager(new InMemoryKeyRingStore(KeyRing.CreateNew()));
        await manager.InitializeAsync(Ct);
        Assert.Equal(1, manager.Current.ActiveIndexKey!.Version);

        var rotated = await manager.RotateIndexKeyAsync("ops", Ct);

        Assert.Equal(2, rotated.Version);
        Assert.Equal([1, 2], manager.Current.IndexKeys.Select(k => k.Version));
        Assert.Equal(1, manager.Current.ActiveVersion);
        var audit = manager.Current.History[^1];
        Assert.Equal((KeyRingEventKind.IndexKeyRotated, 2, "ops"), (audit.Kind, audit.Version, audit.By));
        Assert.Empty(manager.GetRotationHistory());

        await manager.RotateAsync("ops", Ct);
        Assert.Equal(2, manager.Current.ActiveVersion);
        Assert.Equal(2, manager.Current.ActiveIndexKey!.Version);
        Assert.Equal(2, manager.Current.IndexKeys.Count);
    }

    [Fact]
    public async Task RetireIndexKey_IsGuardedByTheInventory()
    {
        using var manager = new KeyRingManager(new InMemoryKeyRingStore(KeyRing.CreateNew()));
        await manager.InitializeAsync(Ct);
        await manager.RotateIndexKeyAsync("ops", Ct);
        var stillUsed = KeyUsageInventory.FromCounts(new Dictionary<int, long> { [1] = 3 });
        var moved = KeyUsageInventory.FromCounts(new Dictionary<int, long> { [2] = 3 });

        await Assert.ThrowsAsync<KeyDestructionRefusedException>(() => manager.RetireIndexKeyAsync(1, "ops", inventory: null, cancellationToken: Ct));
        var refused = await Assert.ThrowsAsync<KeyDestructionRefusedException>(() => manager.RetireIndexKeyAsync(1, "ops", stillUsed, cancellationToken: Ct));
        Assert.Contains("3 indexes under it", refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidOperationException>(() => manager.RetireIndexKeyAsync(2, "ops", moved, cancellationToken: Ct));
        await Assert.ThrowsAsync<InvalidOperationException>(() => manager.RetireIndexKeyAsync(9, "ops", moved, cancellationToken: Ct));
        Assert.Equal(2, manager.Current.IndexKeys.Count);

        await manager.RetireIndexKeyAsync(1, "ops", moved, cancellationToken: Ct);

        Assert.Equal([2], manager.Current.IndexKeys.Select(k => k.Version));
        Assert.Equal((KeyRingEventKind.IndexKeyRetired, 1), (manager.Current.History[^1].Kind, manager.Current.History[^1].Version));
    }

    [Fact]
    public void SealedDocument_KeepsIndexKeys_BoundToTheirRole()
    {
        byte[] root = Enumerable.Range(0, 32).Select(i => (byte)(i * 3)).ToArray();
        var ring = KeyRing.CreateNew();
        byte[] document = SealedKeyRingFormat.Seal(ring, 1, root);

        var opened = SealedKeyRingFormat.Open(document, root, "test ring").Ring;

        Assert.Equal(ring.IndexKeys.Select(k => k.Version), opened.IndexKeys.Select(k => k.Version));
        Assert.Equal(
            BlindIndexer.Compute(Material(ring.ActiveIndexKey!), 1, "T.P", 64, "x"),
            BlindIndexer.Compute(Material(opened.ActiveIndexKey!), 1, "T.P", 64, "x"));

        // A data key's sealed material moved into the index keys does not open: each is bound to its role.
        var json = System.Text.Json.Nodes.JsonNode.Parse(document)!;
        json["indexKeys"]![0]!["material"] = json["keys"]![0]!["material"]!.GetValue<string>();
        var swapped = System.Text.Encoding.UTF8.GetBytes(json.ToJsonString());
        Assert.Throws<KeyRingStoreException>(() => SealedKeyRingFormat.Open(swapped, root, "test ring"));
    }

    [Fact]
    public void SealedDocument_WithoutIndexKeys_ReadsAsBefore_AndWritesNoIndexKeys()
    {
        byte[] root = new byte[32];
        var ring = new KeyRing([EnvelopeKey.Generate(1, KeyState.Active, DateTimeOffset.UnixEpoch)]);
        byte[] document = SealedKeyRingFormat.Seal(ring, 1, root);

        Assert.DoesNotContain("indexKeys", System.Text.Encoding.UTF8.GetString(document), StringComparison.Ordinal);
        Assert.Empty(SealedKeyRingFormat.Open(document, root, "test ring").Ring.IndexKeys);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static byte[] Material(EnvelopeKey key)
    {
        byte[] material = new byte[32];
        key.CopyKeyMaterialTo(material);
        return material;
    }

    private static byte[] Decode(string index)
    {
        string body = index[(index.LastIndexOf(':') + 1)..].Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(body.PadRight(body.Length + ((4 - (body.Length % 4)) % 4), '='));
    }
}
