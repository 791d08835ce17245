using System.Security.Cryptography;
using Shared.Tests;

namespace VersionedEnvelope.Tests;

public sealed class LegacyTests
{
    [Fact]
    public void Decrypt_LegacyWhenAllowed_TriesVersionsAndReportsLegacy()
    {
        var ring = Vectors.KeyRing(activeVersion: 3);
        var legacy = LegacyCiphertexts.Encrypt(ring, 2, "old secret"u8.ToArray(), [7]);
        var encryptor = new EnvelopeEncryptor(new StaticKeyRingProvider(ring), new EnvelopeEncryptorOptions { AllowLegacyCiphertexts = true });

        var result = encryptor.Decrypt(legacy, [7]);

        Assert.Equal("old secret"u8.ToArray(), result.Plaintext);
        Assert.Equal((2, true, true), (result.KeyVersion, result.IsLegacy, result.NeedsReencryption));
    }

    [Fact]
    public void Decrypt_LegacyWhenNotAllowed_IsMalformed()
    {
        var ring = Vectors.KeyRing(activeVersion: 3);
        var legacy = LegacyCiphertexts.Encrypt(ring, 2, new byte[100]);

        Assert.Equal(EnvelopeErrorReason.Malformed, Assert.Throws<EnvelopeException>(() => new EnvelopeEncryptor(ring).Decrypt(legacy)).Reason);
    }

    [Fact]
    public void Decrypt_LegacyUnderNoKnownKey_FailsWithVe1Reason()
    {
        var legacy = LegacyCiphertexts.Encrypt(KeyRing.CreateNew(), 1, new byte[100]);
        var encryptor = new EnvelopeEncryptor(new StaticKeyRingProvider(Vectors.KeyRing(3)), new EnvelopeEncryptorOptions { AllowLegacyCiphertexts = true });

        Assert.Throws<EnvelopeException>(() => encryptor.Decrypt(legacy));
    }

    [Fact]
    public void Decrypt_Ve1StillWorksWithLegacyAllowed()
    {
        var encryptor = new EnvelopeEncryptor(new StaticKeyRingProvider(Vectors.KeyRing(3)), new EnvelopeEncryptorOptions { AllowLegacyCiphertexts = true });
        var ciphertext = encryptor.Encrypt([1, 2], [3]);

        var result = encryptor.Decrypt(ciphertext, [3]);

        Assert.False(result.IsLegacy);
        Assert.Equal(EnvelopeErrorReason.AuthenticationFailed, Assert.Throws<EnvelopeException>(() => encryptor.Decrypt(ciphertext, [4])).Reason);
        Assert.Equal(3, EnvelopeFormat.GetKeyVersion(ciphertext));
    }
}
