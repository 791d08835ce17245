namespace VersionedEnvelope.Internal;

/// <summary>Sizes used across the library; the VE1 layout itself is in <see cref="EnvelopeFormat"/>.</summary>
internal static class EnvelopeConstants
{
    public const int KeySize = 32;
    public const int NonceSize = 12;
    public const int TagSize = 16;

    /// <summary>Headerless pre-versioning layout: nonce ‖ ciphertext ‖ tag.</summary>
    public const int LegacyOverhead = NonceSize + TagSize;

    /// <summary>Associated data up to this size is assembled on the stack.</summary>
    public const int StackAadLimit = 256;
}
