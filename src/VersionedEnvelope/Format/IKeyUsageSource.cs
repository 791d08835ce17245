namespace VersionedEnvelope;

/// <summary>
/// Somewhere ciphertexts are stored that can count them by key version (a database's encrypted columns, a folder of
/// files).
/// </summary>
/// <remarks>
/// The key ring retires a version automatically only when every registered source counts none under it (<see
/// cref="KeyRingOptions.RetireWhenUnused"/>); register sources with <c>AddKeyUsageSource</c>.
/// </remarks>
public interface IKeyUsageSource
{
    /// <summary>What the source counts, for the audit trail and status (for example <c>MissionDbContext</c>).</summary>
    string Name { get; }

    /// <summary>Counts every stored ciphertext by the key version in its header.</summary>
    /// <param name="cancellationToken">Cancels the count.</param>
    /// <returns>The counts; a source that cannot read an entry counts it as malformed, which blocks retirement.</returns>
    Task<KeyUsageInventory> CountAsync(CancellationToken cancellationToken = default);
}
