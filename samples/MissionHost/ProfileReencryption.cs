using System.Data.Common;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using MissionHost.Data;
using VersionedEnvelope;
using VersionedEnvelope.EntityFrameworkCore.Reencryption;

namespace MissionHost;

/// <summary>
/// Moves every stored API key to the active key version with the EF Core package's <c>ReencryptAsync</c>: stale rows
/// only (legacy values included, by their header), each batch with its checkpoint in one transaction, a row changed
/// meanwhile by the application skipped rather than overwritten. One runner at a time across every host on the
/// database (<see cref="TryBecomeRunnerAsync"/>), so two hosts never do a row twice. Shared by the console and the web host.
/// </summary>
internal sealed class ProfileReencryption(IDbContextFactory<MissionDbContext> contexts, DatabaseTarget target, KeyRingManager keyRing, IEnvelopeEncryptor encryptor)
{
    private const string CheckpointName = "reencrypt-apiKey";

    // Any constant: the PostgreSQL advisory lock every host's runner takes.
    private const long RunnerLockKey = 0x4D697373696F6E;

    /// <summary>The key version every secret should be under.</summary>
    public int ActiveVersion => encryptor.ActiveKeyVersion;

    /// <summary>The unfinished run, if any: its target version and the last profile saved.</summary>
    public async Task<(int? TargetVersion, string? LastId)> ReadCheckpointAsync(CancellationToken cancellationToken = default)
    {
        await using var context = contexts.CreateDbContext();
        var row = await context.Checkpoints.AsNoTracking().FirstOrDefaultAsync(c => c.Name == CheckpointName && !c.Done, cancellationToken);
        return row is null ? (null, null) : (row.TargetVersion, row.LastId);
    }

    /// <summary>The checkpoint of an unfinished run to the active version, when there is one (then resume it rather than rotate again).</summary>
    public async Task<(bool Unfinished, string? ResumeAfter)> FindUnfinishedRunAsync(CancellationToken cancellationToken = default)
    {
        var (target, last) = await ReadCheckpointAsync(cancellationToken);
        return (target is not null && target == ActiveVersion, last);
    }

    /// <summary>Profiles not under <paramref name="activeVersion"/>: by the indexed keyVersion column, plus values whose header says otherwise (legacy ones).</summary>
    public async Task<long> CountStaleAsync(int activeVersion, CancellationToken cancellationToken = default)
    {
        await using var context = contexts.CreateDbContext();
        string prefix = string.Create(CultureInfo.InvariantCulture, $"ve1:v{activeVersion}:%");
        return await context.Database
            .SqlQuery<long>($"""SELECT COUNT(*) AS "Value" FROM "UserProfile" WHERE "keyVersion" <> {activeVersion} OR "apiKey" NOT LIKE {prefix}""")
            .SingleAsync(cancellationToken);
    }

    public async Task BeginAsync(int targetVersion, CancellationToken cancellationToken = default)
    {
        await using var context = contexts.CreateDbContext();
        var row = await context.Checkpoints.FindAsync([CheckpointName], cancellationToken);
        if (row is null)
        {
            context.Checkpoints.Add(new ReencryptionCheckpoint { Name = CheckpointName, TargetVersion = targetVersion });
        }
        else
        {
            (row.TargetVersion, row.LastId, row.Done) = (targetVersion, null, false);
        }

        await context.SaveChangesAsync(cancellationToken);
    }

    public async Task<long> CountAfterAsync(string? lastId, CancellationToken cancellationToken = default)
    {
        long after = Parse(lastId);
        await using var context = contexts.CreateDbContext();
        return await context.UserProfiles.LongCountAsync(p => p.Id > after, cancellationToken);
    }

    /// <summary>
    /// Tries to become the one runner across hosts: a session advisory lock on PostgreSQL, an exclusive lock file beside
    /// the SQLite database. Both end with the process, so a crashed runner never blocks the others. Null when another holds it.
    /// </summary>
    public async Task<IAsyncDisposable?> TryBecomeRunnerAsync(CancellationToken cancellationToken = default)
    {
        if (!target.IsPostgres)
        {
            try
            {
                // The file stays: deleting it on close would let a late opener lock the unlinked file beside a new one.
                return new FileStream(target.Paths.Database + ".reencrypt.lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                return null;
            }
        }

        var context = contexts.CreateDbContext();
        try
        {
            var connection = context.Database.GetDbConnection();
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT pg_try_advisory_lock({RunnerLockKey})";
            if (await command.ExecuteScalarAsync(cancellationToken) is true)
            {
                return new RunnerLock(context, connection);
            }
        }
        catch
        {
            await context.DisposeAsync();
            throw;
        }

        await context.DisposeAsync();
        return null;
    }

    /// <summary>
    /// Runs (or resumes) the re-encryption with <paramref name="writers"/> batches written at once (default: one per core,
    /// at most 4); marks the checkpoint done when every profile was seen. The caller is the runner.
    /// </summary>
    public async Task<ReencryptionSummary> RunAsync(string? resumeAfter, Action<ReencryptionProgress>? onSaved, CancellationToken cancellationToken, int? writers = null)
    {
        string history = RotationHistoryJson.Write(keyRing.GetRotationHistory());
        var options = new EntityReencryptionOptions
        {
            BatchSize = 500,
            MaxDegreeOfParallelism = writers ?? Math.Min(4, Environment.ProcessorCount),
            // Legacy values have the default keyVersion 1 from the Phase 9 migration: only their header tells.
            VerifyHeaders = true,
            ResumeAfter = resumeAfter,
            Progress = onSaved is null ? null : new InlineProgress<ReencryptionProgress>(onSaved),
            // The ring's history goes on exactly the rows this batch rewrote, in its transaction: a row's new ciphertext
            // and its history commit together, whatever order the batches finish in.
            OnBatchAsync = (context, keys, token) => StampHistoryAsync(context, keys, history, token),
            SaveCheckpointAsync = (context, checkpoint, token) =>
                context.Database.ExecuteSqlAsync($"""UPDATE "Checkpoint" SET "lastId" = {checkpoint} WHERE "name" = {CheckpointName}""", token),
        };

        var summary = await contexts.ReencryptAsync<MissionDbContext, UserProfile>(options, cancellationToken);
        await using (var context = contexts.CreateDbContext())
        {
            await context.Database.ExecuteSqlAsync($"""UPDATE "Checkpoint" SET "done" = {true} WHERE "name" = {CheckpointName}""", cancellationToken);
        }

        return summary;
    }

    private Task<int> StampHistoryAsync(DbContext context, IReadOnlyList<object> keys, string history, CancellationToken cancellationToken)
    {
        // Keys are the table's integer ids, as the database returned them: safe to write as literals.
        string ids = string.Join(",", keys.Select(k => Convert.ToInt64(k, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture)));
        string value = target.IsPostgres ? "CAST({0} AS jsonb)" : "{0}";
#pragma warning disable EF1002 // the only interpolated text is the list of integer ids above; the history is a parameter
        return context.Database.ExecuteSqlRawAsync($"""UPDATE "UserProfile" SET "keyRotationHistory" = {value} WHERE "id" IN ({ids})""", [history], cancellationToken);
#pragma warning restore EF1002
    }

    private static long Parse(string? id) => id is null ? 0 : long.Parse(id, CultureInfo.InvariantCulture);

    private sealed class RunnerLock(DbContext context, DbConnection connection) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            // Closing the session releases the advisory lock; unlocking first returns it at once even if the pool keeps the connection.
            try
            {
                await using var command = connection.CreateCommand();
                command.CommandText = $"SELECT pg_advisory_unlock({RunnerLockKey})";
                await command.ExecuteScalarAsync();
            }
            finally
            {
                await context.DisposeAsync();
            }
        }
    }

    private sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
