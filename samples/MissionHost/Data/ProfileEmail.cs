using VersionedEnvelope;

namespace MissionHost.Data;

/// <summary>How a profile's email is stored: encrypted, with a blind index so the host can still find a profile by it.</summary>
internal static class ProfileEmail
{
    /// <summary>The column that holds the index (<c>bi1:vN:…</c>).</summary>
    public const string IndexColumn = "emailIndex";

    /// <summary>The index's name, part of its key; pinned so renaming the class keeps the index valid.</summary>
    public const string IndexName = "UserProfile.Email";

    /// <summary>The associated data the email is encrypted with (binds it to its column).</summary>
    public const string AssociatedData = "UserProfile.Email";

    /// <summary>The rows the index is planned for: a million profiles, so about 3.8 share each index value.</summary>
    public const long PlannedProfiles = 1_000_000;

    /// <summary>The bits kept: 18 for a million profiles (CipherSweet's rule: 2 to √rows profiles per index value).</summary>
    public static readonly int IndexBits = BlindIndexPlanner.RecommendBits(PlannedProfiles);

    /// <summary>Emails match whatever their case and surrounding spaces.</summary>
    public static string Normalize(string email) => email.Trim().ToLowerInvariant();
}
