namespace VersionedEnvelope;

/// <summary>What a key version may be used for.</summary>
public enum KeyState
{
    /// <summary>Encrypts new data and decrypts. Exactly one version of a ring is active.</summary>
    Active = 1,

    /// <summary>Decrypts (and is rewrapped from), never encrypts. A rotation demotes the active version to this.</summary>
    DecryptOnly = 2,

    /// <summary>Refused for decryption; reversible (reinstate) while its key material is kept.</summary>
    Retired = 3,

    /// <summary>Key material is gone for good; ciphertexts under it can never be read again.</summary>
    Destroyed = 4,

    /// <summary>
    /// Created by a rotation with an activation delay: decrypts everywhere at once, and becomes the active version at its
    /// <see cref="EnvelopeKey.ActivatesAt"/>, read from the ring, so every host that shares it switches at the same moment.
    /// </summary>
    Pending = 5,
}
