using System.Runtime.InteropServices;
using Microsoft.Extensions.AI;

namespace AgentCosts.Extensions.AI;

/// <summary>The streaming half of the middleware.</summary>
public sealed partial class AgentCostsChatClient
{
    /// <summary>A tracked stream, written out rather than as an async iterator.</summary>
    /// <remarks>
    /// When the inner stream's next update is already there (an in-memory or buffered stream), passing it on costs no
    /// state machine and no allocation, and the clock is read once, when the stream ends, not once per update. The
    /// reservation is made when enumeration starts, as an async stream's work is, so a stream that is never enumerated
    /// holds no part of the budget.
    /// </remarks>
    private sealed class TrackedStream(Call resolved, IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
        : IAsyncEnumerable<ChatResponseUpdate>, IAsyncEnumerator<ChatResponseUpdate>
    {
        private IAsyncEnumerator<ChatResponseUpdate>? _inner;

        // The resolved call until enumeration starts, then the reserved one (Reserve sets every field it changes, so a
        // second enumeration can start from either).
        private Call _call = resolved;
        private UsageTotals _usage;
        private string? _modelId;
        private bool _started;
        private bool _finished;

        public ChatResponseUpdate Current { get; private set; } = null!;

        public IAsyncEnumerator<ChatResponseUpdate> GetAsyncEnumerator(CancellationToken enumeratorToken = default)
        {
            if (_started)
            {
                // Each enumeration is a call of its own: a second one gets a stream of its own.
                return new TrackedStream(_call, messages, options, enumeratorToken.CanBeCanceled ? enumeratorToken : cancellationToken)
                    .GetAsyncEnumerator(CancellationToken.None);
            }

            _started = true;
            if (enumeratorToken.CanBeCanceled)
            {
                cancellationToken = enumeratorToken;
            }

            return this;
        }

        public ValueTask<bool> MoveNextAsync()
        {
            if (_finished)
            {
                return new ValueTask<bool>(false);
            }

            ValueTask<bool> next;
            try
            {
                if (_inner is null)
                {
                    _call.Client.Reserve(ref _call, messages, options);
                    _inner = _call.Client.InnerClient.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
                }

                next = _inner.MoveNextAsync();
            }
            catch
            {
                Finish(completed: false);
                throw;
            }

            return next.IsCompletedSuccessfully ? new ValueTask<bool>(Moved(next.Result)) : AwaitNextAsync(next);
        }

        public ValueTask DisposeAsync()
        {
            // Also when the consumer stops early: what was seen is recorded, with the time until then. No state machine
            // of ours: the inner stream's disposal is returned as it is.
            Finish(completed: false);
            return _inner?.DisposeAsync() ?? default;
        }

        private async ValueTask<bool> AwaitNextAsync(ValueTask<bool> next)
        {
            bool moved;
            try
            {
                moved = await next.ConfigureAwait(false);
            }
            catch
            {
                Finish(completed: false);
                throw;
            }

            return Moved(moved);
        }

        private bool Moved(bool moved)
        {
            if (!moved)
            {
                Finish(completed: true);
                return false;
            }

            var update = _inner!.Current;
            Current = update;
            _modelId ??= update.ModelId;
            if (update.Contents is List<AIContent> list)
            {
                // The usual backing list, scanned without an interface call per item.
                foreach (var content in CollectionsMarshal.AsSpan(list))
                {
                    AddUsage(content);
                }
            }
            else
            {
                var contents = update.Contents;
                for (int i = 0; i < contents.Count; i++)
                {
                    AddUsage(contents[i]);
                }
            }

            return true;
        }

        private void AddUsage(AIContent content)
        {
            if (content is UsageContent { Details: { } details })
            {
                _usage.Add(details, _call.Client._options.CacheWriteKeys);
            }
        }

        /// <summary>Records the call once: a stream that ended or showed usage is charged; one that failed before any is not.</summary>
        private void Finish(bool completed)
        {
            if (_finished || _inner is null)
            {
                _finished |= completed;
                return;
            }

            _finished = true;
            if (completed || _usage.Seen)
            {
                _call.Completed(_modelId, _usage);
            }
            else
            {
                _call.Failed();
            }
        }
    }
}
