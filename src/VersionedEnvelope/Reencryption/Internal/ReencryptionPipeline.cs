using System.ComponentModel;
using System.Threading.Channels;

namespace VersionedEnvelope.Reencryption.Internal;

/// <summary>Not for general use; it may change in any release.</summary>
/// <typeparam name="TPage">A page of rows as the subclass reads them.</typeparam>
/// <remarks>
/// The re-encryption pipeline that <see cref="BatchReencryptor"/> and the EF Core package's <c>ReencryptAsync</c> both
/// run: it reads pages in key order, writes each page as one batch (up to <see cref="Writers"/> at once), advances the
/// checkpoint over the batches finished in order (batches written at once may finish out of order), counts progress,
/// collects failures and makes the summary. A subclass says only how a page is read and how a batch is written.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
internal abstract class ReencryptionPipeline<TPage>
{
    private readonly object _gate = new();
    private readonly List<ReencryptionFailure> _failures = [];
    private readonly SortedDictionary<long, string> _finishedAhead = [];
    private readonly IProgress<ReencryptionProgress>? _progress;
    private readonly TimeProvider _timeProvider;
    private readonly long _started;
    private long _scanned;
    private long _rewrapped;
    private long _skipped;
    private long _nextToFinish;
    private string? _checkpoint;

    /// <summary>Creates the pipeline.</summary>
    /// <param name="batchSize">Rows per page and batch, at least 1.</param>
    /// <param name="writers">Batches written at once, at least 1.</param>
    /// <param name="resumeAfter">The checkpoint the run starts after (its first page follows it), if any.</param>
    /// <param name="progress">Receives progress after each written batch.</param>
    /// <param name="timeProvider">The clock for the elapsed time; <see cref="TimeProvider.System"/> when omitted.</param>
    protected ReencryptionPipeline(
        int batchSize, int writers, string? resumeAfter, IProgress<ReencryptionProgress>? progress, TimeProvider? timeProvider = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(writers, 1);
        BatchSize = batchSize;
        Writers = writers;
        _checkpoint = resumeAfter;
        _progress = progress;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _started = _timeProvider.GetTimestamp();
    }

    /// <summary>Rows per page and batch.</summary>
    protected int BatchSize { get; }

    /// <summary>Batches written at once.</summary>
    protected int Writers { get; }

    /// <summary>The version rows are moved to, for the summary.</summary>
    protected abstract int TargetVersion { get; }

    /// <summary>Reads the page after the previous one (the first follows the run's checkpoint); an empty page at the end.</summary>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <returns>The page.</returns>
    protected abstract ValueTask<TPage> ReadPageAsync(CancellationToken cancellationToken);

    /// <summary>Rows in a page.</summary>
    /// <param name="page">The page.</param>
    /// <returns>Its row count.</returns>
    protected abstract int CountOf(TPage page);

    /// <summary>The key of a page's last row, as a checkpoint.</summary>
    /// <param name="page">A page with at least one row.</param>
    /// <returns>The key's text.</returns>
    protected abstract string LastKeyOf(TPage page);

    /// <summary>Writes one page as one batch (all or nothing); called by up to <see cref="Writers"/> writers at once.</summary>
    /// <param name="page">The page.</param>
    /// <param name="batch">Its place in the run, and the checkpoint it may save with it.</param>
    /// <param name="cancellationToken">Stops the batch before its commit.</param>
    /// <returns>What the batch did.</returns>
    protected abstract ValueTask<ReencryptionBatchOutcome> WriteBatchAsync(TPage page, ReencryptionBatchInfo batch, CancellationToken cancellationToken);

    /// <summary>After the last batch (never after a failure or a cancellation): the run's final checkpoint.</summary>
    /// <param name="checkpoint">The last key every batch up to which is done, if any.</param>
    /// <param name="endedOnEmptyPage">Whether reading ended on an empty page rather than on a short last batch.</param>
    /// <param name="cancellationToken">Stops the work.</param>
    /// <returns>A task.</returns>
    protected virtual ValueTask OnEndedAsync(string? checkpoint, bool endedOnEmptyPage, CancellationToken cancellationToken) => default;

    /// <summary>Runs the pipeline to the end of the rows.</summary>
    /// <param name="cancellationToken">Stops the run between batches; written batches stay written.</param>
    /// <returns>The run's summary.</returns>
    public async Task<ReencryptionSummary> RunAsync(CancellationToken cancellationToken)
    {
        bool endedOnEmptyPage = Writers == 1
            ? await RunInSequenceAsync(cancellationToken).ConfigureAwait(false)
            : await RunWithWritersAsync(cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        await OnEndedAsync(CurrentCheckpoint(), endedOnEmptyPage, cancellationToken).ConfigureAwait(false);
        return Summary();
    }

    /// <summary>What the run has written so far (all of it once the run has ended).</summary>
    /// <returns>The summary.</returns>
    public ReencryptionSummary Summary()
    {
        lock (_gate)
        {
            return new ReencryptionSummary(_scanned, _rewrapped, _skipped, [.. _failures], Elapsed(), _checkpoint, TargetVersion);
        }
    }

    private async Task<bool> RunInSequenceAsync(CancellationToken cancellationToken)
    {
        for (long sequence = 0; ; sequence++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var page = await ReadPageAsync(cancellationToken).ConfigureAwait(false);
            int count = CountOf(page);
            if (count == 0)
            {
                return true;
            }

            bool last = count < BatchSize;
            await WriteAsync(page, count, sequence, last, cancellationToken).ConfigureAwait(false);
            if (last)
            {
                return false;
            }
        }
    }

    private async Task<bool> RunWithWritersAsync(CancellationToken cancellationToken)
    {
        var pages = Channel.CreateBounded<(long Sequence, TPage Page, int Count)>(Writers);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writers = Enumerable.Range(0, Writers).Select(_ => Task.Run(
            async () =>
            {
                try
                {
                    await foreach (var (sequence, page, count) in pages.Reader.ReadAllAsync(stop.Token).ConfigureAwait(false))
                    {
                        await WriteAsync(page, count, sequence, last: false, stop.Token).ConfigureAwait(false);
                    }
                }
                catch
                {
                    // One failed batch stops the run: the reader stops feeding and the other writers stop between batches.
                    await stop.CancelAsync().ConfigureAwait(false);
                    throw;
                }
            },
            CancellationToken.None)).ToList();

        bool endedOnEmptyPage = false;
        try
        {
            for (long sequence = 0; ; sequence++)
            {
                var page = await ReadPageAsync(stop.Token).ConfigureAwait(false);
                int count = CountOf(page);
                if (count == 0)
                {
                    endedOnEmptyPage = true;
                    break;
                }

                await pages.Writer.WriteAsync((sequence, page, count), stop.Token).ConfigureAwait(false);
                if (count < BatchSize)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // A writer failed; its exception is thrown below.
        }
        finally
        {
            pages.Writer.TryComplete();
        }

        await Task.WhenAll(writers).ConfigureAwait(false);
        return endedOnEmptyPage;
    }

    private async Task WriteAsync(TPage page, int count, long sequence, bool last, CancellationToken cancellationToken)
    {
        string lastKey = LastKeyOf(page);
        var outcome = await WriteBatchAsync(page, new ReencryptionBatchInfo(sequence, last, () => CheckpointFor(sequence, lastKey)), cancellationToken)
            .ConfigureAwait(false);
        lock (_gate)
        {
            _scanned += count;
            _rewrapped += outcome.Rewritten;
            _skipped += outcome.Skipped;
            _failures.AddRange(outcome.Failures);

            // Advance the checkpoint over every batch finished in order.
            _finishedAhead[sequence] = lastKey;
            while (_finishedAhead.Remove(_nextToFinish, out var key))
            {
                _checkpoint = key;
                _nextToFinish++;
            }

            _progress?.Report(new ReencryptionProgress(_scanned, _rewrapped, _skipped, _failures.Count, Elapsed(), _checkpoint));
        }
    }

    /// <summary>The checkpoint a batch may save: its last key when every earlier batch is done, else the last one they all reached.</summary>
    private string? CheckpointFor(long sequence, string lastKey)
    {
        lock (_gate)
        {
            return sequence == _nextToFinish ? lastKey : _checkpoint;
        }
    }

    private string? CurrentCheckpoint()
    {
        lock (_gate)
        {
            return _checkpoint;
        }
    }

    private TimeSpan Elapsed() => _timeProvider.GetElapsedTime(_started);
}
