namespace VersionedEnvelope.EntityFrameworkCore.Reencryption;

/// <summary>A host that holds ranges of a shared run.</summary>
public sealed class ClaimedKeyRangeWorker
{
    /// <summary>Creates a worker's entry.</summary>
    /// <param name="hostId">The host, as its <see cref="ClaimedKeyRangeOptions.HostId"/> names it.</param>
    /// <param name="ranges">Ranges it holds now.</param>
    /// <param name="lastHeartbeat">Its latest heartbeat, by the database's clock.</param>
    public ClaimedKeyRangeWorker(string hostId, int ranges, DateTimeOffset lastHeartbeat)
    {
        HostId = hostId;
        Ranges = ranges;
        LastHeartbeat = lastHeartbeat;
    }

    /// <summary>The host, as its <see cref="ClaimedKeyRangeOptions.HostId"/> names it.</summary>
    public string HostId { get; }

    /// <summary>Ranges it holds now.</summary>
    public int Ranges { get; }

    /// <summary>Its latest heartbeat, by the database's clock.</summary>
    public DateTimeOffset LastHeartbeat { get; }
}
