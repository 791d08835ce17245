namespace MissionHost.Data;

/// <summary>A user of the host; <see cref="Email"/> and <see cref="ApiKey"/> are stored encrypted (<c>ve1:vN:…</c>) and decrypted on read.</summary>
internal sealed class UserProfile
{
    public long Id { get; set; }

    /// <summary>The user's email, in clear in memory only: stored encrypted, found through its blind index (<c>emailIndex</c>).</summary>
    public required string Email { get; set; }

    /// <summary>The user's model-provider API key, in clear in memory only.</summary>
    public required string ApiKey { get; set; }

    /// <summary>The key version of the stored <see cref="ApiKey"/>, kept equal to its header on every save.</summary>
    public int KeyVersion { get; set; }

    /// <summary>The key ring's rotation history (<c>[{ version, rotatedAt, rotatedBy }]</c>) when the key was last written; null for rows that predate it.</summary>
    public string? KeyRotationHistory { get; set; }
}
