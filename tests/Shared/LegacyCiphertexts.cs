using System.Security.Cryptography;
using VersionedEnvelope;

namespace Shared.Tests;

/// <summary>
/// Pre-versioning (legacy) ciphertexts, nonce ‖ ciphertext ‖ tag under a version's raw key, as the seed's application
/// wrote them. Compiled into the test projects that read legacy input.
/// </summary>
internal static class LegacyCiphertexts
{
    public static byte[] Encrypt(KeyRing ring, int version, byte[] plaintext, byte[]? associatedData = null)
    {
        var key = new byte[32];
        ring.TryGetKey(version, out var envelopeKey);
        envelopeKey!.CopyKeyMaterialTo(key);
        using var aes = new AesGcm(key, 16);
        var output = new byte[12 + plaintext.Length + 16];
        RandomNumberGenerator.Fill(output.AsSpan(0, 12));
        aes.Encrypt(output.AsSpan(0, 12), plaintext, output.AsSpan(12, plaintext.Length), output.AsSpan(12 + plaintext.Length), associatedData);
        return output;
    }

    /// <summary>Standard base64 of a legacy ciphertext: how legacy values sit in text columns.</summary>
    public static string EncryptToBase64(KeyRing ring, int version, byte[] plaintext, byte[]? associatedData) =>
        Convert.ToBase64String(Encrypt(ring, version, plaintext, associatedData));
}
