using System.Globalization;
using Microsoft.EntityFrameworkCore;
using MissionHost.Data;
using VersionedEnvelope;
using VersionedEnvelope.EntityFrameworkCore.Reencryption;

namespace MissionHost.Hosting;

/// <summary>
/// Moves every stored API key to the active key version with the EF Core package's <c>ReencryptAsync</c>: stale rows
/// only (legacy values included, by their header), each batch with its progress in one transaction, a row changed
/// meanwhile by the application skipped rather than overwritten. On PostgreSQL every host joins the run: the rows' keys
/// are split into ranges that hosts claim in turn (a range whose host dies is taken over when its lease runs out), and the
/// checkpoint row names the shared run. On SQLite one runner at a time does it (<see cref="TryBecomeRunnerAsync"/>),
/// resuming from the checkpoint row's last profile. Shared by the console and the web host.
/// </summary>
internal sealed class ProfileReencryption(
    IDbContextFactory<MissionDbContext> contexts, DatabaseTarget target, KeyRingManager keyRing, IEnvelopeEncryptor encryptor, ReencryptionSharing sharing)
{
    private const string CheckpointName = "reencrypt-apiKey";

    /// <summary>The key version every secret should be under.</summary>
    public int ActiveVersion => encryptor.ActiveKeyVersion;

    /// <summary>Whether hosts share a run (PostgreSQL) rather than take turns.</summary>
    public bool SharesRuns => target.IsPostgres;

    /// <summary>The unfinished run, if any: its target version and the last profile saved (on PostgreSQL: the shared run's id).</summary>
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

    /// <summary>
    /// Begins a run to <paramref name="targetVersion"/>; returns where to resume (null: the start), or on PostgreSQL the
    /// shared run's id: a host that finds another host's unfinished run to the same version joins it instead.
    /// </summary>
    public async Task<string?> BeginAsync(int targetVersion, CancellationToken cancellationToken = default)
    {
        await using var context = contexts.CreateDbContext();
        if (SharesRuns)
        {
            string runId = string.Create(CultureInfo.InvariantCulture, $"UserProfile.apiKey:v{targetVersion}:{Guid.NewGuid():N}");
            await context.Database.ExecuteSqlAsync(
                $"""
                INSERT INTO "Checkpoint" ("name", "targetVersion", "lastId", "done") VALUES ({CheckpointName}, {targetVersion}, {runId}, {false})
                ON CONFLICT ("name") DO UPDATE SET "targetVersion" = excluded."targetVersion", "lastId" = excluded."lastId", "done" = excluded."done"
                WHERE "Checkpoint"."done" OR "Checkpoint"."targetVersion" <> excluded."targetVersion"
                """,
                cancellationToken);
            return (await ReadCheckpointAsync(cancellationToken)).LastId;
        }

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
        return null;
    }

    /// <summary>Profiles a run still reads: after the checkpoint's profile, or on PostgreSQL the stale ones (the ranges hold the progress).</summary>
    public async Task<long> CountAfterAsync(string? lastId, CancellationToken cancellationToken = default)
    {
        if (SharesRuns)
        {
            return await CountStaleAsync(ActiveVersion, cancellationToken);
        }

        long after = Parse(lastId);
        await using var context = contexts.CreateDbContext();
        return await context.UserProfiles.LongCountAsync(p => p.Id > after, cancellationToken);
    }

    /// <summary>
    /// On SQLite, tries to become the one runner across processes: an exclusive lock file beside the database, which ends
    /// with the process, so a crashed runner never blocks the others. Null when another holds it. On PostgreSQL every host
    /// takes part (the claimed key ranges keep them apart): a no-op.
    /// </summary>
    public Task<IAsyncDisposable?> TryBecomeRunnerAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (SharesRuns)
        {
            return Task.FromResult<IAsyncDisposable?>(NoLock.Instance);
        }

        try
        {
            // The file stays: deleting it on close would let a late opener lock the unlinked file beside a new one.
            return Task.FromResult<IAsyncDisposable?>(
                new FileStream(target.Paths.Database + ".reencrypt.lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException)
        {
            return Task.FromResult<IAsyncDisposable?>(null);
        }
    }

    /// <summary>Where the shared run of <paramref name="runId"/> stands (PostgreSQL): ranges done of the total and the hosts at work.</summary>
    public async Task<ClaimedKeyRangeStatus> GetRangesAsync(string runId, CancellationToken cancellationToken = default)
    {
        await using var context = contexts.CreateDbContext();
        return await context.GetClaimedKeyRangesAsync(runId, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Runs (or resumes) the re-encryption with <paramref name="writers"/> batches written at once (on PostgreSQL: ranges
    /// worked at once; default: one per core, at most 4); marks the checkpoint done when every profile was seen. On SQLite
    /// the caller is the runner; on PostgreSQL <paramref name="resumeAfter"/> is the shared run's id.
    /// </summary>
    public async Task<ReencryptionSummary> RunAsync(string? resumeAfter, Action<ReencryptionProgress>? onSaved, CancellationToken cancellationToken, int? writers = null)
    {
        string history = RotationHistoryJson.Write(keyRing.GetRotationHistory());
        var options = new EntityReencryptionOptions
        {
            MaxDegreeOfParallelism = writers ?? Math.Min(4, Environment.ProcessorCount),
            // Legacy values have the default keyVersion 1 from the Phase 9 migration: only their header tells.
            VerifyHeaders = true,
            ResumeAfter = resumeAfter,
            Progress = onSaved is null ? null : new InlineProgress<ReencryptionProgress>(onSaved),
            // The ring's history goes on exactly the rows this batch rewrote, in its transaction: a row's new ciphertext
            // and its history commit together, whatever order the batches finish in.
            OnBatchAsync = (context, keys, token) => StampHistoryAsync(context, keys, history, token),
        };
        if (SharesRuns)
        {
            // Every host passes the same run id; a host that dies leaves its range to the others after the lease.
            options.ResumeAfter = null;
            options.ClaimedKeyRanges = new ClaimedKeyRangeOptions
            {
                RunId = resumeAfter ?? throw new ArgumentNullException(nameof(resumeAfter), "A shared run needs its id (BeginAsync returns it)."),
                HostId = sharing.HostId,
                LeaseDuration = sharing.LeaseDuration,
                RangeCount = sharing.Ranges,
            };
        }
        else
        {
            options.SaveCheckpointAsync = (context, checkpoint, token) =>
                context.Database.ExecuteSqlAsync($"""UPDATE "Checkpoint" SET "lastId" = {checkpoint} WHERE "name" = {CheckpointName}""", token);
        }

        var summary = await contexts.ReencryptAsync<MissionDbContext, UserProfile>(options, cancellationToken);
        await using (var context = contexts.CreateDbContext())
        {
            // On PostgreSQL only the run that finished is marked done: a newer run begun meanwhile stays open.
            await (SharesRuns
                ? context.Database.ExecuteSqlAsync($"""UPDATE "Checkpoint" SET "done" = {true} WHERE "name" = {CheckpointName} AND "lastId" = {resumeAfter}""", cancellationToken)
                : context.Database.ExecuteSqlAsync($"""UPDATE "Checkpoint" SET "done" = {true} WHERE "name" = {CheckpointName}""", cancellationToken));
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

    private sealed class NoLock : IAsyncDisposable
    {
        public static readonly NoLock Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
