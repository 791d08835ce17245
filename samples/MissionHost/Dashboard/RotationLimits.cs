using System.Threading.RateLimiting;

namespace MissionHost.Dashboard;

/// <summary>
/// The rotate endpoint's two limits, applied after authentication so a stranger can never spend the admin's permits:
/// failed attempts per client address (a brute-force brake), and rotations per authenticated identity. A valid token is
/// always checked first, so even an address that a hostile page in the admin's own browser has exhausted still lets
/// the admin rotate.
/// </summary>
internal sealed class RotationLimits(int failuresPerMinute, int rotationsPerMinute) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _failures = PerMinute(failuresPerMinute);
    private readonly PartitionedRateLimiter<string> _rotations = PerMinute(rotationsPerMinute);

    /// <summary>Counts a failed attempt from an address; false (with when to retry) once the address is over its limit.</summary>
    public bool TryFail(string address, out TimeSpan retryAfter) => TryAcquire(_failures, address, out retryAfter);

    /// <summary>Takes a rotation permit for an identity; false (with when to retry) when it has used them all.</summary>
    public bool TryRotate(string identity, out TimeSpan retryAfter) => TryAcquire(_rotations, identity, out retryAfter);

    public void Dispose()
    {
        _failures.Dispose();
        _rotations.Dispose();
    }

    private static bool TryAcquire(PartitionedRateLimiter<string> limiter, string key, out TimeSpan retryAfter)
    {
        using var lease = limiter.AttemptAcquire(key);
        retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromMinutes(1);
        return lease.IsAcquired;
    }

    private static PartitionedRateLimiter<string> PerMinute(int permits) =>
        PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(
            key,
            _ => new FixedWindowRateLimiterOptions { PermitLimit = Math.Max(1, permits), Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
}
