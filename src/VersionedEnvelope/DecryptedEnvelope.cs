using System.Text;

namespace VersionedEnvelope;

/// <summary>
/// A decrypted plaintext in an array the caller owns, with what the host needs to know about its ciphertext: the outcome
/// of the array and text forms of decryption. The span form writes into the caller's buffer and returns an <see cref="EnvelopeDecryptResult"/>.
/// </summary>
public sealed class DecryptedEnvelope
{
    internal DecryptedEnvelope(byte[] plaintext, EnvelopeDecryptResult result)
    {
        Plaintext = plaintext;
        KeyVersion = result.KeyVersion;
        NeedsReencryption = result.NeedsReencryption;
        IsLegacy = result.IsLegacy;
    }

    /// <summary>The plaintext. The caller owns it and may clear it when done.</summary>
    public byte[] Plaintext { get; }

    /// <summary>The key version that protected the ciphertext.</summary>
    public int KeyVersion { get; }

    /// <summary><see langword="true"/> when the ciphertext is not under the active version (or was legacy): rewrap it.</summary>
    public bool NeedsReencryption { get; }

    /// <summary><see langword="true"/> when the input was a headerless pre-versioning ciphertext.</summary>
    public bool IsLegacy { get; }

    /// <summary>Decodes the plaintext as UTF-8.</summary>
    /// <returns>The text.</returns>
    public string GetPlaintextAsString() => Encoding.UTF8.GetString(Plaintext);

    /// <summary>Describes the key version; never the plaintext.</summary>
    /// <returns>A description without secrets.</returns>
    public override string ToString() =>
        $"DecryptedEnvelope {{ KeyVersion = {KeyVersion}, NeedsReencryption = {NeedsReencryption}, IsLegacy = {IsLegacy}, Length = {Plaintext.Length} }}";
}
