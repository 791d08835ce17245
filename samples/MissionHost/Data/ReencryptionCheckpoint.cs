namespace MissionHost.Data;

/// <summary>Where an unfinished re-encryption stopped, saved in the same transaction as each batch.</summary>
internal sealed class ReencryptionCheckpoint
{
    public required string Name { get; set; }

    /// <summary>The key version the run moves every secret to.</summary>
    public int TargetVersion { get; set; }

    /// <summary>Every profile up to and including this id is done; null before the first batch.</summary>
    public string? LastId { get; set; }

    public bool Done { get; set; }
}
