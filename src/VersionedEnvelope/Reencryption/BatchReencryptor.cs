using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using VersionedEnvelope.Reencryption.Internal;

namespace VersionedEnvelope;

/// <summary>Moves stored ciphertexts to the active key version at scale.</summary>
/// <param name="encryptor">The encryptor whose active version is the target.</param>
/// <param name="timeProvider">The clock for progress rates; <see cref="TimeProvider.System"/> when omitted.</param>
/// <remarks>
/// Reads the host's records, rewraps what is stale (only the data key; payloads are copied), skips what is current (so
/// a run can be repeated safely), hands every batch back to the host to save in its own transaction with a checkpoint,
/// reports progress, and stops between batches when cancelled. A record that cannot be moved is reported by id and does
/// not stop the run. The host never sees plaintext.
/// </remarks>
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
    /// <exception cref="ArgumentException">The options are invalid (a batch size or writer count below 1); every problem is named.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; resume from the last saved checkpoint.</exception>
    /// <exception cref="InvalidOperationException"><see cref="ReencryptionRunOptions.ResumeAfter"/> was never met in the records.</exception>
    public async Task<ReencryptionSummary> RunAsync<TRecord>(
        IAsyncEnumerable<TRecord> records,
        ReencryptionOptions<TRecord> options,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        Shared.OptionsValidation.ThrowIfInvalid(new ReencryptionRunOptionsValidator(), options, nameof(options));

        var enumerator = records.GetAsyncEnumerator(cancellationToken);
        await using (enumerator.ConfigureAwait(false))
        {
            var run = new Run<TRecord>(this, options, enumerator);
            return await run.RunAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One run on the shared pipeline: a page is the next records of the host's sequence (after the checkpoint), and a
    /// batch is rewrapped in parallel and handed to the host to save. Batches are saved one at a time, in order.
    /// </summary>
    private sealed class Run<TRecord>(BatchReencryptor owner, ReencryptionOptions<TRecord> options, IAsyncEnumerator<TRecord> records)
        : ReencryptionPipeline<List<TRecord>>(options.BatchSize, writers: 1, options.ResumeAfter, options.Progress, owner._timeProvider)
    {
        private bool _resuming = options.ResumeAfter is not null;

        protected override int TargetVersion => owner._encryptor.ActiveKeyVersion;

        protected override async ValueTask<List<TRecord>> ReadPageAsync(CancellationToken cancellationToken)
        {
            var page = new List<TRecord>(options.BatchSize);
            while (page.Count < options.BatchSize && await records.MoveNextAsync().ConfigureAwait(false))
            {
                var record = records.Current;
                if (_resuming)
                {
                    _resuming = options.GetId(record) != options.ResumeAfter;
                    continue;
                }

                page.Add(record);
            }

            if (_resuming)
            {
                throw new InvalidOperationException($"The checkpoint '{options.ResumeAfter}' was not found among the records; nothing was re-encrypted.");
            }

            return page;
        }

        protected override int CountOf(List<TRecord> page) => page.Count;

        protected override string LastKeyOf(List<TRecord> page) => options.GetId(page[^1]);

        protected override async ValueTask<ReencryptionBatchOutcome> WriteBatchAsync(
            List<TRecord> page, ReencryptionBatchInfo batch, CancellationToken cancellationToken)
        {
            var outcomes = new Outcome[page.Count];
            int active = owner._encryptor.ActiveKeyVersion;
            Parallel.For(
                0,
                page.Count,
                new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism },
                i => outcomes[i] = owner.Process(page[i], options, active));

            var changed = new List<ReencryptedRecord<TRecord>>();
            var failures = new List<ReencryptionFailure>();
            long skipped = 0;
            for (int i = 0; i < page.Count; i++)
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
                    changed.Add(new ReencryptedRecord<TRecord>(page[i], outcome.Ciphertext, outcome.FromVersion, outcome.ToVersion));
                }
            }

            // Saved one at a time, so the batch's checkpoint is its own last record.
            await options.SaveBatchAsync(new ReencryptionBatch<TRecord>(changed, page.Count, batch.GetCheckpoint()!), cancellationToken).ConfigureAwait(false);
            return new ReencryptionBatchOutcome(changed.Count, skipped, failures);
        }
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
            byte[]? associatedBytes = associatedData is null ? null : Encoding.UTF8.GetBytes(associatedData);
            string moved = StoredValueReencryption.ReencryptText(_encryptor, ciphertext, associatedBytes, out int from);
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
