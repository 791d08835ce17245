using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VersionedEnvelope.EntityFrameworkCore.Internal;
using VersionedEnvelope.Storage;

namespace VersionedEnvelope.EntityFrameworkCore.Storage;

/// <summary>A key ring in a database row, shared by every host that uses the database.</summary>
/// <typeparam name="TContext">The host's context, which maps <see cref="VersionedEnvelopeKeyRing"/>.</typeparam>
/// <remarks>
/// Each load and save runs in its own DI scope with a fresh <typeparamref name="TContext"/>. <see
/// cref="KeyRingManager"/> changes the ring under the row's lock (<see cref="UpdateAsync"/>: in one transaction the row
/// is locked by a no-op update, read, changed and written), so hosts rotating at once wait for each other instead of
/// failing, and no version and no audit event is ever lost. A plain save is one conditional <c>UPDATE … WHERE Revision
/// = @expected</c> (or an <c>INSERT</c> of the first ring): when another host saved first it writes nothing and throws
/// <see cref="KeyRingConcurrencyException"/>.
/// <para/>
/// On PostgreSQL every save sends <c>NOTIFY versioned_envelope_keyring</c>, and <see cref="Watch"/> listens on a
/// connection of its own, so other hosts refresh within moments of a rotation; on other databases hosts rely on the
/// manager's periodic refresh.
/// </remarks>
public sealed class DbContextKeyRingStore<TContext> : ILockingKeyRingStore, IKeyRingChangeSource, IKeyUseStore
    where TContext : DbContext, IKeyRingDbContext
{
    private static readonly TimeSpan FirstReconnectDelay = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxReconnectDelay = TimeSpan.FromSeconds(30);

    private readonly IServiceScopeFactory _scopes;

    /// <summary>Creates the store with a ring protected by a root key (a shortcut for a <see cref="RootKeyProtector"/>).</summary>
    /// <param name="scopes">Creates the scope each operation resolves <typeparamref name="TContext"/> in.</param>
    /// <param name="rootKeyProvider">Returns the 256-bit root key that seals key material; the store clears the array after use.</param>
    /// <remarks>The ring's row is named <c>default</c>; name another with the constructor that takes a <see cref="KeyRingProtection"/>.</remarks>
    public DbContextKeyRingStore(IServiceScopeFactory scopes, Func<byte[]> rootKeyProvider)
        : this(scopes, new KeyRingProtection([new RootKeyProtector(rootKeyProvider ?? throw new ArgumentNullException(nameof(rootKeyProvider)))]))
    {
    }

    /// <summary>Creates the store with a ring sealed by <paramref name="protection"/> (an HSM, a KMS, a root key, or several).</summary>
    /// <param name="scopes">Creates the scope each operation resolves <typeparamref name="TContext"/> in.</param>
    /// <param name="protection">Seals each save and opens each load.</param>
    /// <param name="ringName">The row's name; <c>default</c> when omitted. It is bound to the sealed document.</param>
    public DbContextKeyRingStore(IServiceScopeFactory scopes, KeyRingProtection protection, string ringName = DefaultRingName)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        ArgumentNullException.ThrowIfNull(protection);
        ArgumentException.ThrowIfNullOrWhiteSpace(ringName);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ringName.Length, VersionedEnvelopeKeyRing.MaxNameLength, nameof(ringName));
        _scopes = scopes;
        Protection = protection;
        RingName = ringName;
    }

    /// <summary>What seals and opens the row's document.</summary>
    public KeyRingProtection Protection { get; }

    /// <summary>The name of the ring when the host names none.</summary>
    public const string DefaultRingName = "default";

    /// <summary>The ring's row name.</summary>
    public string RingName { get; }

    /// <inheritdoc />
    public bool CanSave => true;

    private string Source => $"key ring '{RingName}' in the {typeof(TContext).Name} database";

    /// <inheritdoc />
    public async ValueTask<StoredKeyRing?> LoadAsync(CancellationToken cancellationToken = default)
    {
        using var scope = _scopes.CreateScope();
        var context = scope.ServiceProvider.GetRequiredService<TContext>();
        var row = await FindAsync(context, cancellationToken).ConfigureAwait(false);
        return row is null ? null : await OpenAsync(row, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<long> SaveAsync(KeyRing ring, long expectedRevision, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ring);
        ArgumentOutOfRangeException.ThrowIfNegative(expectedRevision);
        long revision = expectedRevision + 1;
        string document = await SealAsync(ring, revision, cancellationToken).ConfigureAwait(false);
        using var scope = _scopes.CreateScope();
        var context = scope.ServiceProvider.GetRequiredService<TContext>();
        if (expectedRevision == 0)
        {
            context.VersionedEnvelopeKeyRings.Add(new VersionedEnvelopeKeyRing { Name = RingName, Revision = revision, Document = document });
            try
            {
                await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                await NotifyAsync(context, cancellationToken).ConfigureAwait(false);
                return revision;
            }
            catch (DbUpdateException)
            {
                // Another host created the ring first (the name is the primary key).
                throw await ConflictAsync(expectedRevision, cancellationToken).ConfigureAwait(false);
            }
        }

        string name = RingName;
        int updated = await context.VersionedEnvelopeKeyRings
            .Where(r => r.Name == name && r.Revision == expectedRevision)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Document, document).SetProperty(r => r.Revision, revision), cancellationToken)
            .ConfigureAwait(false);
        if (updated != 1)
        {
            throw await ConflictAsync(expectedRevision, cancellationToken).ConfigureAwait(false);
        }

        await NotifyAsync(context, cancellationToken).ConfigureAwait(false);
        return revision;
    }

    /// <inheritdoc />
    public async ValueTask<StoredKeyRing?> UpdateAsync(Func<StoredKeyRing?, KeyRing?> change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        string name = RingName;
        for (int attempt = 1; ; attempt++)
        {
            using var scope = _scopes.CreateScope();
            var context = scope.ServiceProvider.GetRequiredService<TContext>();
            var transaction = await context.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                // A write that changes nothing takes the row's lock until the commit, on every provider: another host's
                // change waits here, and the row read next is the one this change is based on.
                await context.VersionedEnvelopeKeyRings
                    .Where(r => r.Name == name)
                    .ExecuteUpdateAsync(s => s.SetProperty(r => r.Revision, r => r.Revision), cancellationToken)
                    .ConfigureAwait(false);
                var row = await FindAsync(context, cancellationToken).ConfigureAwait(false);
                var stored = row is null ? null : await OpenAsync(row, cancellationToken).ConfigureAwait(false);
                var next = change(stored);
                if (next is null || ReferenceEquals(next, stored?.Ring))
                {
                    return stored;
                }

                long revision = (stored?.Revision ?? 0) + 1;
                string document = await SealAsync(next, revision, cancellationToken).ConfigureAwait(false);
                if (row is null)
                {
                    // No row to lock yet: two hosts creating the first ring race on the primary key, and the loser
                    // starts again under the winner's lock.
                    context.VersionedEnvelopeKeyRings.Add(new VersionedEnvelopeKeyRing { Name = name, Revision = revision, Document = document });
                    try
                    {
                        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                    }
                    catch (DbUpdateException) when (attempt < 3)
                    {
                        continue;
                    }
                }
                else
                {
                    long expected = row.Revision;
                    int updated = await context.VersionedEnvelopeKeyRings
                        .Where(r => r.Name == name && r.Revision == expected)
                        .ExecuteUpdateAsync(s => s.SetProperty(r => r.Document, document).SetProperty(r => r.Revision, revision), cancellationToken)
                        .ConfigureAwait(false);
                    if (updated != 1)
                    {
                        // Only a writer that ignores the lock (a plain SaveAsync racing this one) gets here.
                        throw await ConflictAsync(expected, cancellationToken).ConfigureAwait(false);
                    }
                }

                // Delivered to listeners at the commit, with the change.
                await NotifyAsync(context, cancellationToken).ConfigureAwait(false);

                // Once the commit starts it is not cancelled: the change is either all saved or not at all.
                await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                return new StoredKeyRing(next, revision);
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyDictionary<int, long>> LoadUsesAsync(CancellationToken cancellationToken = default)
    {
        using var scope = _scopes.CreateScope();
        return await ReadUsesAsync(scope.ServiceProvider.GetRequiredService<TContext>(), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// In one transaction, each version's row grows by one <c>UPDATE … SET "Count" = "Count" + @n</c> (a version's first
    /// count inserts its row), so hosts flushing at once all add up; a failure rolls every version back.
    /// </remarks>
    public async ValueTask<IReadOnlyDictionary<int, long>> AddUsesAsync(IReadOnlyDictionary<int, long> uses, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uses);
        foreach (var (version, count) in uses)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(version, 1, nameof(uses));
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count, nameof(uses));
        }

        string name = RingName;
        using var scope = _scopes.CreateScope();
        var context = scope.ServiceProvider.GetRequiredService<TContext>();
        try
        {
            var transaction = await context.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                foreach (var (version, count) in uses)
                {
                    await AddUseAsync(context, name, version, count, cancellationToken).ConfigureAwait(false);
                }

                var totals = await ReadUsesAsync(context, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                return totals;
            }
        }
        catch (Exception ex) when (ex is DbUpdateException or InvalidOperationException or System.Data.Common.DbException)
        {
            throw new KeyRingStoreException($"The {Source} did not take the key use counts; nothing was added.", ex);
        }
    }

    private static async Task AddUseAsync(TContext context, string name, int version, long count, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            // Saturates at long.MaxValue instead of overflowing: far past every limit, so it rotates either way.
            int updated = await context.VersionedEnvelopeKeyUses
                .Where(u => u.RingName == name && u.Version == version)
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.Count, u => u.Count > long.MaxValue - count ? long.MaxValue : u.Count + count), cancellationToken)
                .ConfigureAwait(false);
            if (updated == 1)
            {
                return;
            }

            context.VersionedEnvelopeKeyUses.Add(new VersionedEnvelopeKeyUse { RingName = name, Version = version, Count = count });
            try
            {
                // Inside the transaction EF Core saves under a savepoint, so a lost race for the first row rolls back alone.
                await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (DbUpdateException) when (attempt < 3)
            {
                // Another host inserted the version's first row meanwhile: add to it instead.
                context.ChangeTracker.Clear();
            }
        }
    }

    private async Task<IReadOnlyDictionary<int, long>> ReadUsesAsync(TContext context, CancellationToken cancellationToken)
    {
        string name = RingName;
        var rows = await context.VersionedEnvelopeKeyUses.AsNoTracking().Where(u => u.RingName == name)
            .Select(u => new { u.Version, u.Count }).ToListAsync(cancellationToken).ConfigureAwait(false);
        return new SortedDictionary<int, long>(rows.ToDictionary(r => r.Version, r => r.Count));
    }

    /// <summary>
    /// On PostgreSQL, listens for saves of any host on a connection of its own (in a DI scope held while watching) and
    /// reconnects with a backoff when the connection is lost; on other databases it watches nothing.
    /// </summary>
    /// <param name="changed">Called when a save was notified, and after each (re)connection (a change may have been missed).</param>
    /// <param name="failed">Called when the connection fails; watching starts again after a backoff.</param>
    /// <returns>Stops listening when disposed.</returns>
    public IDisposable Watch(Action changed, Action<Exception> failed)
    {
        ArgumentNullException.ThrowIfNull(changed);
        ArgumentNullException.ThrowIfNull(failed);
        var stop = new CancellationTokenSource();
        _ = Task.Run(() => ListenAsync(changed, failed, stop.Token), CancellationToken.None);
        return new StopOnDispose(stop);
    }

    private async Task ListenAsync(Action changed, Action<Exception> failed, CancellationToken cancellationToken)
    {
        var delay = FirstReconnectDelay;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                using var scope = _scopes.CreateScope();
                var context = scope.ServiceProvider.GetRequiredService<TContext>();
                await context.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    if (PostgresNotifications.WaitFor(context.Database.GetDbConnection()) is not { } wait)
                    {
                        return;
                    }

                    await context.Database.ExecuteSqlRawAsync(PostgresNotifications.ListenSql, cancellationToken).ConfigureAwait(false);
                    delay = FirstReconnectDelay;
                    changed();
                    while (true)
                    {
                        await wait(cancellationToken).ConfigureAwait(false);
                        changed();
                    }
                }
                finally
                {
                    await context.Database.CloseConnectionAsync().ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failed(ex);
                try
                {
                    await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxReconnectDelay.Ticks));
            }
        }
    }

    private Task NotifyAsync(TContext context, CancellationToken cancellationToken) =>
        PostgresNotifications.CanNotify(context) ? PostgresNotifications.NotifyAsync(context, RingName, cancellationToken) : Task.CompletedTask;

    private async Task<KeyRingConcurrencyException> ConflictAsync(long expectedRevision, CancellationToken cancellationToken)
    {
        using var scope = _scopes.CreateScope();
        var row = await FindAsync(scope.ServiceProvider.GetRequiredService<TContext>(), cancellationToken).ConfigureAwait(false);
        return new KeyRingConcurrencyException(expectedRevision, row?.Revision ?? 0);
    }

    private Task<VersionedEnvelopeKeyRing?> FindAsync(TContext context, CancellationToken cancellationToken)
    {
        string name = RingName;
        return context.VersionedEnvelopeKeyRings.AsNoTracking().SingleOrDefaultAsync(r => r.Name == name, cancellationToken);
    }

    private async Task<StoredKeyRing> OpenAsync(VersionedEnvelopeKeyRing row, CancellationToken cancellationToken)
    {
        var stored = await Protection.OpenAsync(Encoding.UTF8.GetBytes(row.Document), RingName, Source, cancellationToken).ConfigureAwait(false);
        return stored.Revision == row.Revision
            ? stored
            : throw new KeyRingStoreException($"The {Source} cannot be read: its row says revision {row.Revision} and its document {stored.Revision}. It was "
                + $"left as it is.");
    }

    private async Task<string> SealAsync(KeyRing ring, long revision, CancellationToken cancellationToken) =>
        Encoding.UTF8.GetString(await Protection.SealAsync(ring, revision, RingName, cancellationToken).ConfigureAwait(false));

    /// <summary>Describes the store.</summary>
    /// <returns>The context type and ring name.</returns>
    public override string ToString() => $"DbContextKeyRingStore<{typeof(TContext).Name}> '{RingName}'";

    /// <summary>Cancels the listener (idempotent); the token source is left to the collector, as the listener may still read it.</summary>
    private sealed class StopOnDispose(CancellationTokenSource stop) : IDisposable
    {
        public void Dispose() => stop.Cancel();
    }
}
