namespace VersionedEnvelope;

/// <summary>What happened to a key ring.</summary>
public enum KeyRingEventKind
{
    /// <summary>A new version was created and made active (a rotation). Only these appear in <c>keyRotationHistory</c>.</summary>
    Rotated = 1,

    /// <summary>A version was retired: refused for decryption.</summary>
    Retired = 2,

    /// <summary>A retired version was allowed to decrypt again.</summary>
    Reinstated = 3,

    /// <summary>A version's key material was destroyed.</summary>
    Destroyed = 4,

    /// <summary>The ring was sealed anew under the protectors configured now (<see cref="KeyRingManager.ReprotectAsync"/>); no key changed.</summary>
    Reprotected = 5,

    /// <summary>A new blind index key version was added (<see cref="KeyRingManager.RotateIndexKeyAsync"/>); data keys are unchanged.</summary>
    IndexKeyRotated = 6,

    /// <summary>An old blind index key version was removed, once no index was left under it (<see cref="KeyRingManager.RetireIndexKeyAsync"/>).</summary>
    IndexKeyRetired = 7,
}
