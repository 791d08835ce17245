namespace VersionedEnvelope.Internal;

/// <summary>Sizes outside the VE1 layout (which <see cref="Ve1Layout"/> owns).</summary>
internal static class EnvelopeConstants
{
    /// <summary>Headerless pre-versioning layout: nonce ‖ ciphertext ‖ tag.</summary>
    public const int LegacyOverhead = Ve1Layout.NonceSize + Ve1Layout.TagSize;

    /// <summary>Associated data up to this size is assembled on the stack.</summary>
    public const int StackAadLimit = 256;
}
