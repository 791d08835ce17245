namespace VersionedEnvelope;

/// <summary>Gives the encryptor the current key ring snapshot.</summary>
public interface IKeyRingProvider
{
    /// <summary>The current snapshot. Reading it must be cheap and lock-free: it is read on every call.</summary>
    KeyRing Current { get; }

    /// <summary>
    /// Called when a ciphertext names a version the current snapshot lacks (another host may have rotated):
    /// returns the current snapshot after at most one reload. Implementations bound how often they reload.
    /// </summary>
    /// <param name="version">The version that was not found.</param>
    /// <returns>The snapshot to use, which may still lack the version.</returns>
    KeyRing GetRingWith(int version);

    /// <summary>
    /// As <see cref="GetRingWith"/>, without blocking a thread while a reload runs. The default calls
    /// <see cref="GetRingWith"/>, which suits providers that never wait on storage.
    /// </summary>
    /// <param name="version">The version that was not found.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The snapshot to use, which may still lack the version.</returns>
    ValueTask<KeyRing> GetRingWithAsync(int version, CancellationToken cancellationToken = default) => new(GetRingWith(version));
}
