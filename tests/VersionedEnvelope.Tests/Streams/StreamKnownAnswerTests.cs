using VersionedEnvelope.Internal;
using VersionedEnvelope.Streams;

namespace VersionedEnvelope.Tests.Streams;

public sealed class StreamKnownAnswerTests
{
    private readonly EnvelopeEncryptor _encryptor = new(StreamVectors.KeyRing());

    [Theory]
    [MemberData(nameof(StreamVectors.CaseNames), MemberType = typeof(StreamVectors))]
    public async Task DecryptAsync_VectorCase_ReturnsPlaintextAndVersion(string name)
    {
        var vector = StreamVectors.Case(name);
        using var plaintext = new MemoryStream();

        var result = await _encryptor.DecryptAsync(
            new MemoryStream(vector.Hex("ciphertextHex")), plaintext, vector.Hex("associatedDataHex"), TestContext.Current.CancellationToken);

        Assert.Equal(vector.Hex("plaintextHex"), plaintext.ToArray());
        Assert.Equal(vector.GetProperty("keyVersion").GetInt32(), result.KeyVersion);
        Assert.Equal(plaintext.Length, result.PlaintextLength);
        Assert.Equal(result.KeyVersion != 7, result.NeedsReencryption);
    }

    [Theory]
    [MemberData(nameof(StreamVectors.CaseNames), MemberType = typeof(StreamVectors))]
    public void OpenDecryptStream_VectorCaseFromAForwardOnlyStream_ReturnsPlaintext(string name)
    {
        var vector = StreamVectors.Case(name);
        using var decrypting = _encryptor.OpenDecryptStream(new ForwardOnlyStream(vector.Hex("ciphertextHex"), chunk: 100), vector.Hex("associatedDataHex"));
        using var plaintext = new MemoryStream();

        decrypting.CopyTo(plaintext, 333);

        Assert.Equal(vector.Hex("plaintextHex"), plaintext.ToArray());
        Assert.False(decrypting.CanSeek);
    }

    [Theory]
    [MemberData(nameof(StreamVectors.CaseNames), MemberType = typeof(StreamVectors))]
    public async Task EncryptAsync_FixedDataKeyNonceAndPrefix_ReproducesVectorBytes(string name)
    {
        var vector = StreamVectors.Case(name);
        int version = vector.GetProperty("keyVersion").GetInt32();
        var random = new FixedRandomSource(vector.Hex("dekHex"), vector.Hex("wrapNonceHex"), vector.Hex("noncePrefixHex"));
        var options = new EnvelopeEncryptorOptions { StreamSegmentSize = vector.GetProperty("segmentSize").GetInt32() };
        var encryptor = new EnvelopeEncryptor(new StaticKeyRingProvider(StreamVectors.KeyRing(version)), options, TimeProvider.System, random);
        using var ciphertext = new MemoryStream();

        long written = await encryptor.EncryptAsync(
            new MemoryStream(vector.Hex("plaintextHex")), ciphertext, vector.Hex("associatedDataHex"), TestContext.Current.CancellationToken);

        Assert.Equal(vector.GetProperty("ciphertextHex").GetString(), Convert.ToHexString(ciphertext.ToArray()), StringComparer.OrdinalIgnoreCase);
        Assert.Equal(vector.Hex("plaintextHex").Length, written);
        Assert.Equal(ciphertext.Length, EnvelopeStreamFormat.GetCiphertextLength(written, options.StreamSegmentSize));
    }

    [Theory]
    [MemberData(nameof(StreamVectors.CaseNames), MemberType = typeof(StreamVectors))]
    public void DeriveKey_VectorCase_IsTheListedSegmentKey(string name)
    {
        var vector = StreamVectors.Case(name);
        var key = new byte[32];

        StreamSegmentCipher.DeriveKey(vector.Hex("dekHex"), vector.Hex("noncePrefixHex"), vector.Hex("associatedDataHex"), key);

        Assert.Equal(vector.GetProperty("segmentKeyHex").GetString(), Convert.ToHexString(key), StringComparer.OrdinalIgnoreCase);
    }

    [Theory]
    [MemberData(nameof(StreamVectors.NegativeNames), MemberType = typeof(StreamVectors))]
    public async Task DecryptAsync_NegativeVector_FailsWithListedReason(string name)
    {
        var vector = StreamVectors.Negative(name);
        var expected = Enum.Parse<EnvelopeErrorReason>(vector.GetProperty("reason").GetString()!);

        var seekable = await Assert.ThrowsAsync<EnvelopeException>(() => _encryptor.DecryptAsync(
            new MemoryStream(vector.Hex("ciphertextHex")), Stream.Null, vector.Hex("associatedDataHex"), TestContext.Current.CancellationToken));
        var forwardOnly = await Assert.ThrowsAsync<EnvelopeException>(() => _encryptor.DecryptAsync(
            new ForwardOnlyStream(vector.Hex("ciphertextHex"), chunk: 700), Stream.Null, vector.Hex("associatedDataHex"), TestContext.Current.CancellationToken));

        Assert.Equal(expected, seekable.Reason);
        Assert.Equal(expected, forwardOnly.Reason);
    }

    [Fact]
    public async Task RewrapStreamAsync_VectorRewrap_ReproducesRewrappedBytesInPlace()
    {
        var (rewrap, from, encryptor) = RewrapVector();
        using var file = new MemoryStream();
        file.Write(from.Hex("ciphertextHex"));
        file.Position = 0;

        bool moved = await encryptor.RewrapStreamAsync(file, TestContext.Current.CancellationToken);

        Assert.True(moved);
        Assert.Equal(0, file.Position);
        Assert.Equal(rewrap.GetProperty("rewrappedHex").GetString(), Convert.ToHexString(file.ToArray()), StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public void Rewrap_WholeStreamInMemory_ReproducesRewrappedBytes()
    {
        var (rewrap, from, encryptor) = RewrapVector();

        var rewrapped = encryptor.Rewrap(from.Hex("ciphertextHex"));

        Assert.Equal(rewrap.GetProperty("rewrappedHex").GetString(), Convert.ToHexString(rewrapped), StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public void TryGetKeyVersion_FirstSevenBytesOfAStream_ReadsTheVersion()
    {
        var ciphertext = StreamVectors.Case("three-segments").Hex("ciphertextHex");

        Assert.True(EnvelopeStreamFormat.TryGetKeyVersion(ciphertext.AsSpan(0, 7), out int version));
        Assert.Equal(7, version);
        Assert.False(EnvelopeStreamFormat.TryGetKeyVersion(ciphertext.AsSpan(0, 6), out _));
        Assert.False(EnvelopeFormat.TryGetKeyVersion(ciphertext, out _));
    }

    /// <summary>The rewrap vector, the case it starts from, and an encryptor whose next wrap nonce is the vector's.</summary>
    private static (System.Text.Json.JsonElement Rewrap, System.Text.Json.JsonElement From, EnvelopeEncryptor Encryptor) RewrapVector()
    {
        var rewrap = StreamVectors.Rewrap;
        var encryptor = new EnvelopeEncryptor(
            new StaticKeyRingProvider(StreamVectors.KeyRing(rewrap.GetProperty("toVersion").GetInt32())),
            new EnvelopeEncryptorOptions(),
            TimeProvider.System,
            new FixedRandomSource(rewrap.Hex("wrapNonceHex")));
        return (rewrap, StreamVectors.Case(rewrap.GetProperty("from").GetString()!), encryptor);
    }
}
