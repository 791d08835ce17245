using VersionedEnvelope.Internal;

namespace VersionedEnvelope.Tests;

public sealed class KnownAnswerTests
{
    private readonly EnvelopeEncryptor _encryptor = new(Vectors.KeyRing());

    [Theory]
    [MemberData(nameof(Vectors.CaseNames), MemberType = typeof(Vectors))]
    public void Decrypt_VectorCase_ReturnsPlaintextAndVersion(string name)
    {
        var vector = Vectors.Case(name);
        var result = _encryptor.Decrypt(vector.Hex("ciphertextHex"), vector.Hex("associatedDataHex"));

        Assert.Equal(vector.Hex("plaintextHex"), result.Plaintext);
        Assert.Equal(vector.GetProperty("keyVersion").GetInt32(), result.KeyVersion);
        Assert.Equal(result.KeyVersion != 3, result.NeedsReencryption);
    }

    [Theory]
    [MemberData(nameof(Vectors.CaseNames), MemberType = typeof(Vectors))]
    public void DecryptText_VectorCase_ReturnsPlaintext(string name)
    {
        var vector = Vectors.Case(name);
        var result = _encryptor.DecryptText(vector.GetProperty("text").GetString()!, vector.Hex("associatedDataHex"));

        Assert.Equal(vector.Hex("plaintextHex"), result.Plaintext);
    }

    [Theory]
    [MemberData(nameof(Vectors.CaseNames), MemberType = typeof(Vectors))]
    public void Encrypt_FixedDataKeyAndNonces_ReproducesVectorBytes(string name)
    {
        var vector = Vectors.Case(name);
        int version = vector.GetProperty("keyVersion").GetInt32();
        var random = new FixedRandomSource(vector.Hex("dekHex"), vector.Hex("wrapNonceHex"), vector.Hex("payloadNonceHex"));
        var encryptor = new EnvelopeEncryptor(
            new StaticKeyRingProvider(Vectors.KeyRing(version)), new EnvelopeEncryptorOptions(), TimeProvider.System, random);

        var ciphertext = encryptor.Encrypt(vector.Hex("plaintextHex"), vector.Hex("associatedDataHex"));

        Assert.Equal(vector.GetProperty("ciphertextHex").GetString(), Convert.ToHexString(ciphertext), StringComparer.OrdinalIgnoreCase);
        Assert.Equal(vector.GetProperty("text").GetString(), EnvelopeFormat.ToText(ciphertext));
    }

    [Theory]
    [MemberData(nameof(Vectors.NegativeNames), MemberType = typeof(Vectors))]
    public void Decrypt_NegativeVector_FailsWithListedReason(string name)
    {
        var vector = Vectors.Negative(name);
        var expected = Enum.Parse<EnvelopeErrorReason>(vector.GetProperty("reason").GetString()!);

        var error = Assert.Throws<EnvelopeException>(() => _encryptor.Decrypt(vector.Hex("ciphertextHex"), vector.Hex("associatedDataHex")));

        Assert.Equal(expected, error.Reason);
    }

    [Theory]
    [MemberData(nameof(Vectors.TextNegatives), MemberType = typeof(Vectors))]
    public void DecryptText_NegativeVector_FailsAsMalformed(string text)
    {
        var error = Assert.Throws<EnvelopeException>(() => _encryptor.DecryptText(text));

        Assert.Equal(EnvelopeErrorReason.Malformed, error.Reason);
        Assert.False(EnvelopeFormat.TryGetKeyVersion(text, out _));
    }

    [Fact]
    public void Rewrap_VectorSource_KeepsPayloadBytesAndDecrypts()
    {
        var rewrap = Vectors.Root.GetProperty("rewrap");
        var source = Vectors.Case(rewrap.GetProperty("from").GetString()!);
        var expected = rewrap.Hex("rewrappedHex");

        var independent = _encryptor.Decrypt(expected, source.Hex("associatedDataHex"));
        Assert.Equal(source.Hex("plaintextHex"), independent.Plaintext);

        var ring = Vectors.KeyRing(activeVersion: 1);
        var ours = new EnvelopeEncryptor(ring).Rewrap(source.Hex("ciphertextHex"));
        Assert.Equal(1, EnvelopeFormat.GetKeyVersion(ours));
        Assert.Equal(source.Hex("ciphertextHex")[Ve1Layout.PayloadNonceOffset..], ours[Ve1Layout.PayloadNonceOffset..]);
        Assert.Equal(source.Hex("plaintextHex"), new EnvelopeEncryptor(ring).Decrypt(ours, source.Hex("associatedDataHex")).Plaintext);
    }

    [Fact]
    public void Overhead_IsNinetyFiveBytes()
    {
        Assert.Equal(95, EnvelopeFormat.Overhead);
        Assert.Equal(Ve1Layout.KeySize + (2 * Ve1Layout.NonceSize) + (2 * Ve1Layout.TagSize) + 7, EnvelopeFormat.Overhead);
    }
}
