namespace VersionedEnvelope;

/// <summary>Why a ciphertext could not be read. Stable values: hosts may log and switch on them.</summary>
public enum EnvelopeErrorReason
{
    /// <summary>The input is not a VE1 ciphertext: too short, wrong magic, a bad key version field or a bad text form.</summary>
    Malformed = 1,

    /// <summary>The input has the VE magic but a format byte this library does not read.</summary>
    UnsupportedFormat = 2,

    /// <summary>The key version in the header is not in the key ring (or its key material was destroyed).</summary>
    UnknownKeyVersion = 3,

    /// <summary>The key version is known but retired: decryption under it is refused until it is reinstated.</summary>
    KeyVersionRetired = 4,

    /// <summary>Integrity check failed: the ciphertext was changed, or the associated data or key differ.</summary>
    AuthenticationFailed = 5,
}
