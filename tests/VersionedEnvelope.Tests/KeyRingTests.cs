namespace VersionedEnvelope.Tests;

public sealed class KeyRingTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 27, 8, 27, 32, TimeSpan.Zero);

    [Fact]
    public void Constructor_NoActiveVersion_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => new KeyRing([EnvelopeKey.Generate(1, KeyState.DecryptOnly, Now)]));
        Assert.Contains("No key version is active", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_TwoActiveVersions_Throws() =>
        Assert.Throws<ArgumentException>(() => new KeyRing([EnvelopeKey.Generate(1, KeyState.Active, Now), EnvelopeKey.Generate(2, KeyState.Active, Now)]));

    [Fact]
    public void Constructor_DuplicateVersions_Throws() =>
        Assert.Throws<ArgumentException>(() => new KeyRing([EnvelopeKey.Generate(1, KeyState.Active, Now), EnvelopeKey.Generate(1, KeyState.DecryptOnly, Now)]));

    [Fact]
    public void EnvelopeKey_DestroyedWithMaterial_CannotBeConstructed()
    {
        Assert.Throws<ArgumentException>(() => new EnvelopeKey(1, KeyState.Destroyed, new byte[32], Now));
        Assert.Throws<ArgumentException>(() => EnvelopeKey.Generate(1, KeyState.Destroyed, Now));
        Assert.False(EnvelopeKey.CreateDestroyed(1, Now).HasMaterial);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(16)]
    [InlineData(31)]
    [InlineData(33)]
    public void EnvelopeKey_WrongKeyLength_Throws(int length) =>
        Assert.Throws<ArgumentException>(() => new EnvelopeKey(1, KeyState.Active, new byte[length], Now));

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void EnvelopeKey_NonPositiveVersion_Throws(int version) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new EnvelopeKey(version, KeyState.Active, new byte[32], Now));

    [Fact]
    public void WithState_DestroyedThenActive_Throws()
    {
        var destroyed = EnvelopeKey.Generate(1, KeyState.DecryptOnly, Now).WithState(KeyState.Destroyed);

        Assert.False(destroyed.HasMaterial);
        Assert.Throws<InvalidOperationException>(() => destroyed.WithState(KeyState.DecryptOnly));
        Assert.Throws<InvalidOperationException>(() => destroyed.CopyKeyMaterialTo(new byte[32]));
    }

    [Fact]
    public void FromKeys_MakesActiveAndDecryptOnly()
    {
        var ring = KeyRing.FromKeys(new Dictionary<int, byte[]> { [1] = new byte[32], [2] = new byte[32] }, 2);

        Assert.Equal(2, ring.ActiveVersion);
        Assert.Equal(2, ring.LatestVersion);
        Assert.True(ring.TryGetKey(1, out var v1));
        Assert.Equal(KeyState.DecryptOnly, v1.State);
        Assert.False(ring.TryGetKey(3, out _));
    }

    [Fact]
    public void With_ReplacesVersionAndAppendsEvent_LeavingOriginalUnchanged()
    {
        var ring = KeyRing.CreateNew();
        var added = EnvelopeKey.Generate(2, KeyState.DecryptOnly, Now);
        var evt = new KeyRingEvent(KeyRingEventKind.Retired, 2, Now, "ops");

        var next = ring.With(added, evt);

        Assert.Single(ring.Keys);
        Assert.Equal(2, next.Keys.Count);
        Assert.Equal([evt], next.History);
    }
}
