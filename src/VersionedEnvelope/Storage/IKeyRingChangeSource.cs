namespace VersionedEnvelope.Storage;

/// <summary>
/// A store that can say when its ring may have changed (another host saved), so a <see cref="KeyRingManager"/>
/// refreshes at once instead of waiting for its next periodic refresh.
/// </summary>
/// <remarks>
/// The file store watches its file; the EF Core package's store listens for PostgreSQL notifications. The periodic
/// refresh stays as the fallback.
/// </remarks>
public interface IKeyRingChangeSource
{
    /// <summary>Starts watching for changes until the returned handle is disposed.</summary>
    /// <param name="changed">
    /// Called, from any thread and possibly more than once per change, whenever the ring may have changed. It must return
    /// quickly (the manager only schedules a refresh).
    /// </param>
    /// <param name="failed">
    /// Called when watching fails (a lost connection, say); the source keeps trying to watch again with a backoff.
    /// </param>
    /// <returns>Stops watching when disposed.</returns>
    IDisposable Watch(Action changed, Action<Exception> failed);
}
