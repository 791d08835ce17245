using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace VersionedEnvelope;

/// <summary>
/// Moves stored ciphertexts to the active key version at scale. Reads the host's records, rewraps what is stale (only the
/// data key; payloads are copied), skips what is current (so a run can be repeated safely), hands every batch back to
/// the host to save in its own transaction with a checkpoint, reports progress, and stops between batches when
/// cancelled. A record that cannot be moved is reported by id and does not stop the run. The host never sees plaintext.
/// </summary>
/// <param name="encryptor">The encryptor whose active version is the target.</param>
/// <param name="timeProvider">The clock for progress rates; <see cref="TimeProvider.System"/> when omitted.</param>
public sealed class BatchReencryptor(IEnvelopeEncryptor encryptor, TimeProvider? timeProvider = null)
{
    private readonly IEnvelopeEncryptor _encryptor = encryptor ?? throw new ArgumentNullException(nameof(encryptor));
    private readonly TimeProvider _timeProvider = timeProvider ?? TimeProvider.System;

    /// <summary>Runs a re-encryption over the host's records.</summary>
    /// <typeparam name="TRecord">The host's record type.</typeparam>
    /// <param name="records">The records, in a stable order (the checkpoint refers to it).</param>
    /// <param name="options">Accessors, the save callback and the run's settings.</param>
    /// <param name="cancellationToken">Stops the run between batches; everything saved so far stays saved.</param>
    /// <returns>The summary of the run.</returns>
    /// <exception cref="OperationCanceledException">Cancelled; resume from the last saved checkpoint.</exception>
    /// <exception cref="InvalidOperationException"><see cref="ReencryptionOptions{TRecord}.ResumeAfter"/> was never met in the records.</exception>
    public async Task<ReencryptionSummary> RunAsync<TRecord>(
        IAsyncEnumerable<TRecord> records,
        ReencryptionOptions<TRecord> options,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1, nameof(options.BatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxDegreeOfParallelism, 1, nameof(options.MaxDegreeOfParallelism));

        var run = new Run<TRecord>(this, options, _timeProvider.GetTimestamp());
        bool resuming = options.ResumeAfter is not null;
        var batch = new List<TRecord>(options.BatchSize);
        await foreach (var record in records.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (resuming)
            {
                resuming = options.GetId(record) != options.ResumeAfter;
                continue;
            }

            batch.Add(record);
            if (batch.Count == options.BatchSize)
            {
                await run.ProcessAsync(batch, cancellationToken).ConfigureAwait(false);
                batch.Clear();
                cancellationToken.ThrowIfCancellationRequested();
            }
        }

        if (resuming)
        {
            throw new InvalidOperationException($"The checkpoint '{options.ResumeAfter}' was not found among the records; nothing was re-encrypted.");
        }

        if (batch.Count > 0)
        {
            await run.ProcessAsync(batch, cancellationToken).ConfigureAwait(false);
        }

        return run.Summary();
    }

    private sealed class Run<TRecord>(BatchReencryptor owner, ReencryptionOptions<TRecord> options, long started)
    {
        private readonly List<ReencryptionFailure> _failures = [];
        private long _scanned;
        private long _rewrapped;
        private long _skipped;
        private string? _checkpoint;

        public async Task ProcessAsync(List<TRecord> batch, CancellationToken cancellationToken)
        {
            var outcomes = new Outcome[batch.Count];
            int active = owner._encryptor.ActiveKeyVersion;
            Parallel.For(
                0,
                batch.Count,
                new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism },
                i => outcomes[i] = owner.Process(batch[i], options, active));

            var changed = new List<ReencryptedRecord<TRecord>>();
            var failures = new List<ReencryptionFailure>();
            long skipped = 0;
            for (int i = 0; i < batch.Count; i++)
            {
                var outcome = outcomes[i];
                if (outcome.Failure is not null)
                {
                    failures.Add(outcome.Failure);
                }
                else if (outcome.Ciphertext is null)
                {
                    skipped++;
                }
                else
                {
                    changed.Add(new ReencryptedRecord<TRecord>(batch[i], outcome.Ciphertext, outcome.FromVersion, outcome.ToVersion));
                }
            }

            string checkpoint = options.GetId(batch[^1]);
            await options.SaveBatchAsync(new ReencryptionBatch<TRecord>(changed, batch.Count, checkpoint), cancellationToken).ConfigureAwait(false);

            // Counted only once the host has saved the batch.
            _scanned += batch.Count;
            _rewrapped += changed.Count;
            _skipped += skipped;
            _failures.AddRange(failures);
            _checkpoint = checkpoint;
            options.Progress?.Report(new ReencryptionProgress(_scanned, _rewrapped, _skipped, _failures.Count, Elapsed(), _checkpoint));
        }

        public ReencryptionSummary Summary() =>
            new(_scanned, _rewrapped, _skipped, _failures, Elapsed(), _checkpoint, owner._encryptor.ActiveKeyVersion);

        private TimeSpan Elapsed() => owner._timeProvider.GetElapsedTime(started);
    }

    private Outcome Process<TRecord>(TRecord record, ReencryptionOptions<TRecord> options, int active)
    {
        string? id = null;
        try
        {
            id = options.GetId(record);
            string ciphertext = options.GetCiphertext(record);
            bool isVe1 = EnvelopeFormat.TryGetKeyVersion(ciphertext, out int version);
            if (isVe1 && version == active)
            {
                return default;
            }

            // Only legacy input needs its associated data: a rewrap never touches the payload.
            string? associatedData = isVe1 ? null : options.GetAssociatedData?.Invoke(record);
            string moved = _encryptor.ReencryptText(ciphertext, associatedData is null ? default : Encoding.UTF8.GetBytes(associatedData), out int from);
            return new Outcome(moved, from, EnvelopeFormat.GetKeyVersion(moved), null);
        }
        catch (EnvelopeException ex)
        {
            return new Outcome(null, 0, 0, new ReencryptionFailure(id ?? "?", ex.Reason, ex.Message));
        }
    }

    private readonly record struct Outcome(string? Ciphertext, int FromVersion, int ToVersion, ReencryptionFailure? Failure);

    /// <summary>Describes the reencryptor.</summary>
    /// <returns>The target version.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"BatchReencryptor to v{_encryptor.ActiveKeyVersion}");
}
