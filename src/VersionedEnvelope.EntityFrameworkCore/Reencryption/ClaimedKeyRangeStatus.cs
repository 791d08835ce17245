namespace VersionedEnvelope.EntityFrameworkCore.Reencryption;

/// <summary>Where a run shared by claimed key ranges stands: ranges done of the total, and which hosts hold ranges now.</summary>
public sealed class ClaimedKeyRangeStatus
{
    /// <summary>Creates a status.</summary>
    /// <param name="runId">The run.</param>
    /// <param name="total">Ranges in the run; 0 when no host has planned it yet.</param>
    /// <param name="done">Ranges done.</param>
    /// <param name="rewrapped">Rows the run's committed batches rewrote.</param>
    /// <param name="workers">The hosts that hold a range now, by host id, with their last heartbeat.</param>
    public ClaimedKeyRangeStatus(string runId, int total, int done, long rewrapped, IReadOnlyList<ClaimedKeyRangeWorker> workers)
    {
        RunId = runId;
        Total = total;
        Done = done;
        Rewrapped = rewrapped;
        Workers = workers;
    }

    /// <summary>The run.</summary>
    public string RunId { get; }

    /// <summary>Ranges in the run; 0 when no host has planned it yet.</summary>
    public int Total { get; }

    /// <summary>Ranges done.</summary>
    public int Done { get; }

    /// <summary>Rows the run's committed batches rewrote, over every host.</summary>
    public long Rewrapped { get; }

    /// <summary>The hosts that hold a range now (a host whose lease ran out still shows until its range is claimed again).</summary>
    public IReadOnlyList<ClaimedKeyRangeWorker> Workers { get; }

    /// <summary>Whether every range is done.</summary>
    public bool Finished => Total > 0 && Done == Total;
}
