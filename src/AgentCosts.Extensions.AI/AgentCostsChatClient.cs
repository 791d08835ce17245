using System.Diagnostics;
using AgentCosts.Metrics;
using Microsoft.Extensions.AI;

namespace AgentCosts.Extensions.AI;

/// <summary>A delegating chat client that charges every call to an agent of a mission.</summary>
/// <remarks>
/// Input, output, cached-input and reasoning tokens from the response's usage, the exact cost from a price table (no
/// per-call rounding), and the duration from the call's start to the response (for streaming, to the last update seen).
/// When the mission has a budget, an estimate is reserved before the inner client is called, and a call the budget
/// cannot cover throws <see cref="BudgetExceededException"/> without calling it. A call with no mission passes through
/// untouched. Add it with <c>ChatClientBuilder.UseAgentCosts()</c>.
/// </remarks>
public sealed partial class AgentCostsChatClient : DelegatingChatClient
{
    /// <summary>The agent a call is charged to when neither the options, a scope nor the resolver names one.</summary>
    public const string UnattributedAgentName = "unattributed";

    /// <summary>The span tag that says what a GenAI span is (<c>chat</c> for a model call, <c>invoke_agent</c> for an agent).</summary>
    private const string OperationNameTag = "gen_ai.operation.name";

    private readonly AgentCostsChatClientOptions _options;

    /// <summary>The model the inner client says it calls by default (<see cref="ChatClientMetadata.DefaultModelId"/>), if any.</summary>
    private readonly string? _defaultModelId;

    /// <summary>The provider the inner client says it calls (<see cref="ChatClientMetadata.ProviderName"/>), for the metrics.</summary>
    private readonly string? _providerName;

    /// <summary>The agent every call is charged to, when the options name both the mission and the agent: looked up once.</summary>
    private readonly AgentHandle? _fixedAgent;

    /// <summary>Estimates a request's input tokens for its reservation, and learns from what was billed.</summary>
    private readonly IInputTokenEstimator _estimator;

    /// <summary>Creates the client.</summary>
    /// <param name="innerClient">The client that calls the model.</param>
    /// <param name="options">The options; defaults when omitted.</param>
    /// <exception cref="ArgumentException">
    /// The options are invalid (<see cref="AgentCostsChatClientOptions.DefaultMaxOutputTokens"/> negative, no
    /// <see cref="AgentCostsChatClientOptions.TimeProvider"/>).
    /// </exception>
    public AgentCostsChatClient(IChatClient innerClient, AgentCostsChatClientOptions? options = null)
        : base(innerClient)
    {
        // Copied, as OpenTelemetryChatClient does: the options a client was made with are the ones it keeps.
        _options = Shared.OptionsValidation.ThrowIfInvalid(
            new AgentCostsChatClientOptionsValidator(), options?.Clone() ?? new AgentCostsChatClientOptions(), nameof(options));
        _estimator = _options.InputTokenEstimator ?? new CalibratedInputTokenEstimator();
        var metadata = innerClient.GetService<ChatClientMetadata>();
        (_defaultModelId, _providerName) = (metadata?.DefaultModelId, metadata?.ProviderName);
        if (_options is { Mission: { } mission, AgentName: { Length: > 0 } agentName })
        {
            _fixedAgent = mission.Agent(agentName);
        }
    }

    /// <inheritdoc />
    /// <exception cref="BudgetExceededException">The mission's budget cannot cover the call's estimate; the inner client was not called.</exception>
    /// <exception cref="UnknownModelException">
    /// Before the call: none of the options, the request and the inner client's metadata names a priced model, the
    /// mission has a budget and the price table's policy is to throw. A call that succeeded is never failed for its price.
    /// </exception>
    public override Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(messages, options, out var call))
        {
            return base.GetResponseAsync(messages, options, cancellationToken);
        }

        Reserve(ref call, messages, options);

        Task<ChatResponse> inner;
        try
        {
            inner = base.GetResponseAsync(messages, options, cancellationToken);
        }
        catch
        {
            call.Failed();
            throw;
        }

        // An inner client that answered synchronously needs no state machine of ours: nothing allocated per call.
        if (inner.IsCompletedSuccessfully)
        {
            Completed(call, inner.Result);
            return inner;
        }

        return AwaitResponseAsync(call, inner);
    }

    private static async Task<ChatResponse> AwaitResponseAsync(Call call, Task<ChatResponse> inner)
    {
        ChatResponse response;
        try
        {
            response = await inner.ConfigureAwait(false);
        }
        catch
        {
            call.Failed();
            throw;
        }

        Completed(call, response);
        return response;
    }

    private static void Completed(in Call call, ChatResponse response)
    {
        var usage = default(UsageTotals);
        if (response.Usage is { } details)
        {
            usage.Add(details, call.Client._options.CacheWriteKeys);
        }

        call.Completed(response.ModelId, usage);
    }

    /// <inheritdoc />
    /// <exception cref="BudgetExceededException">
    /// When enumeration starts: the mission's budget cannot cover the call's estimate; the inner client was not called.
    /// </exception>
    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        // Resolved here (an untracked call gets the inner stream itself); reserved when enumeration starts, as an async
        // stream's work does, so a stream that is never enumerated holds no part of the budget.
        return TryResolve(messages, options, out var call)
            ? new TrackedStream(call, messages, options, cancellationToken)
            : base.GetStreamingResponseAsync(messages, options, cancellationToken);
    }

    /// <summary>Resolves the mission, agent and prices; <see langword="false"/> when the call has no mission.</summary>
    private bool TryResolve(IEnumerable<ChatMessage> messages, ChatOptions? chatOptions, out Call call)
    {
        ArgumentNullException.ThrowIfNull(messages);

        // The ambient scope is read only when the options leave the mission or the agent open.
        var scope = _options.Mission is null || _options.AgentName is null ? AgentCostScope.Current : null;
        var mission = _options.Mission ?? scope?.Mission;
        if (mission is null)
        {
            if (_options.Metrics?.Untracked is { Enabled: true } untracked)
            {
                untracked.Add(1);
            }

            call = default;
            return false;
        }

        var prices = _options.Prices ?? mission.Prices ?? throw new InvalidOperationException(
            "AgentCostsChatClient has no price table: set AgentCostsChatClientOptions.Prices, or give the mission tracker one.");

        // Handles are stable per mission and name: the fixed agent is looked up once, a scope's agent once per scope.
        var agent = _fixedAgent
            ?? (_options.AgentName is null && scope is { AgentName: not null } && ReferenceEquals(scope.Mission, mission) ? scope.Agent
            : mission.Agent(_options.AgentName ?? scope?.AgentName ?? ResolveAgentName() ?? UnattributedAgentName));
        call = new Call(this, mission, agent, prices, chatOptions?.ModelId);
        return true;
    }

    /// <summary>
    /// Reserves the call's estimate when the mission has a budget, and starts the call's clock: in place, setting every
    /// field a reservation owns (so a resolved call and a reserved one can both be reserved again, for a second enumeration).
    /// </summary>
    private void Reserve(ref Call call, IEnumerable<ChatMessage> messages, ChatOptions? chatOptions)
    {
        BudgetReservation? hold = null;
        var estimate = ExactCredits.Zero;
        // The clock is read for pricing only when a price depends on the date.
        var startedAt = call.Prices.HasDatedPrices ? _options.TimeProvider.GetUtcNow() : DateTimeOffset.MaxValue;
        long inputTokens = 0;
        if (call.Mission.Budget is not null)
        {
            // The model from the options, then the request, then what the inner client says it calls by default.
            string? model = _options.ModelId ?? chatOptions?.ModelId ?? _defaultModelId;
            inputTokens = _estimator.EstimateInputTokens(messages, chatOptions, model);
            long outputTokens = chatOptions?.MaxOutputTokens is int max and >= 0 ? max : _options.DefaultMaxOutputTokens;
            var usage = new TokenUsage(Math.Max(0, inputTokens), outputTokens);
            estimate = Price(call.Prices, usage, startedAt, _options.ModelId, chatOptions?.ModelId, _defaultModelId);

            // From the agent's budget (or its nearest budgeted parent's) and every budget above it, all or none.
            hold = call.Mission.Reserve(call.Agent.Name, estimate);
        }

        call.Hold = hold;
        call.Estimate = estimate;
        call.EstimatedInputTokens = inputTokens;
        call.StartedAt = startedAt;
        call.Span = InferenceSpan();
        call.StartTimestamp = _options.TimeProvider.GetTimestamp();
    }

    /// <summary>
    /// The inference span this call runs in, if a tracing client outside this one (<c>UseOpenTelemetry()</c>) started
    /// one.
    /// </summary>
    /// <remarks>
    /// Only a span whose <c>gen_ai.operation.name</c> says it is a model call, never an agent's span, so a trace's
    /// costs add up once.
    /// </remarks>
    private static Activity? InferenceSpan() =>
        Activity.Current is { IsAllDataRequested: true } span
        && span.GetTagItem(OperationNameTag) is string operation
        && operation is "chat" or "text_completion" or "generate_content"
            ? span
            : null;

    private string? ResolveAgentName()
    {
        string? name = _options.AgentNameResolver?.Invoke();
        return string.IsNullOrEmpty(name) ? null : name;
    }

    /// <summary>
    /// Prices usage with the first of the candidate models that the table lists; when it lists none, the first named one
    /// goes through the table's unknown-model policy.
    /// </summary>
    private static ExactCredits Price(
        PriceTable prices,
        TokenUsage usage,
        DateTimeOffset at,
        string? first,
        string? second,
        string? third,
        string? fourth = null)
    {
        // One look-up per candidate: the first model the table prices at the call's time.
        if (prices.TryGetExactCost(first, usage, at, out var cost)
            || prices.TryGetExactCost(second, usage, at, out cost)
            || prices.TryGetExactCost(third, usage, at, out cost)
            || prices.TryGetExactCost(fourth, usage, at, out cost))
        {
            return cost;
        }

        string? model = first ?? second ?? third ?? fourth;
        if (model is null && prices.UnknownModelPolicy == UnknownModelPolicy.Throw)
        {
            throw new UnknownModelException(
                "The call names no model (not in the response, AgentCostsChatClientOptions.ModelId, ChatOptions.ModelId or the inner client's "
                    + "ChatClientMetadata), so it cannot be priced.",
                null);
        }

        return prices.GetExactCost(model ?? string.Empty, usage, at);
    }

    /// <summary>
    /// One call in flight: where it is charged (set when it is resolved), what it reserved and when it started (set in
    /// place by <see cref="Reserve"/>).
    /// </summary>
    /// <remarks>
    /// A struct held by its owner (the stream, or the call's own frame): no allocation, and reserved where it lies
    /// rather than copied.
    /// </remarks>
    private struct Call(AgentCostsChatClient client, MissionCostTracker mission, AgentHandle agent, PriceTable prices, string? requestModel)
    {
        public readonly AgentCostsChatClient Client = client;
        public readonly MissionCostTracker Mission = mission;
        public readonly AgentHandle Agent = agent;
        public readonly PriceTable Prices = prices;
        public readonly string? RequestModel = requestModel;
        public BudgetReservation? Hold;
        public long StartTimestamp;
        public ExactCredits Estimate;
        public long EstimatedInputTokens;
        public DateTimeOffset StartedAt;
        public Activity? Span;

        /// <summary>Records the call, timed until now (a stream's end).</summary>
        public readonly void Completed(string? responseModel, in UsageTotals usage)
        {
            var cost = ExactCredits.Zero;
            var tokens = usage.ToUsage();
            try
            {
                if (!usage.Seen && Mission.Metrics?.UsageMissing is { Enabled: true } missing)
                {
                    missing.Add(1, new KeyValuePair<string, object?>(AgentCostsMetrics.AgentNameTag, Agent.Name));
                }

                string? model = responseModel ?? Client._options.ModelId ?? RequestModel ?? Client._defaultModelId;
                try
                {
                    // Priced as of the call's start: a price that changes mid-call does not change what the call cost.
                    cost = Price(Prices, tokens, StartedAt, responseModel, Client._options.ModelId, RequestModel, Client._defaultModelId);
                }
                catch (UnknownModelException)
                {
                    // The call succeeded and its answer is the caller's: never fail it for its price. Its tokens and time are
                    // recorded, and it is charged its reserved estimate, so an unpriced call cannot slip past a budget.
                    cost = Estimate;
                    Unpriced(model);
                }

                Agent.RecordUsage(model, tokens, cost, Elapsed(), Client._providerName);
                TagSpan(cost);
            }
            finally
            {
                // After the cost is recorded (and spent in the budget): releasing first would let another call reserve it.
                Settle(cost, tokens.InputTokens, usage.Seen);
            }
        }

        /// <summary>
        /// Releases the reservation, recording what the call cost beyond it (the estimate's shortfall), and lets the
        /// estimator learn from the billed input (only from a response that reported usage).
        /// </summary>
        private readonly void Settle(ExactCredits cost, long billedInputTokens, bool usageSeen)
        {
            if (Hold is not { } hold)
            {
                return;
            }

            var overshoot = hold.Complete(cost);
            if (overshoot > ExactCredits.Zero && Mission.Metrics?.BudgetOvershoot is { Enabled: true } counter)
            {
                counter.Add((double)overshoot.Credits, new KeyValuePair<string, object?>(AgentCostsMetrics.AgentNameTag, Agent.Name));
            }

            if (usageSeen)
            {
                // The model the estimate was made for: the options', then the request's, then the inner client's default.
                Client._estimator.Observe(Client._options.ModelId ?? RequestModel ?? Client._defaultModelId, EstimatedInputTokens, billedInputTokens);
            }
        }

        /// <summary>The OpenTelemetry GenAI cost attributes (semantic-conventions proposal), on the call's inference span.</summary>
        private readonly void TagSpan(ExactCredits cost)
        {
            if (Span is not { } span)
            {
                return;
            }

            if (span.GetTagItem(AgentCostsMetrics.AgentNameTag) is null)
            {
                span.SetTag(AgentCostsMetrics.AgentNameTag, Agent.Name);
            }

            span.SetTag("gen_ai.usage.cost.amount", (double)cost.Credits);
            span.SetTag("gen_ai.usage.cost.source", "local");
            if (Mission.MissionId is { } mission)
            {
                span.SetTag("agentcosts.mission", mission);
            }
        }

        private readonly void Unpriced(string? model)
        {
            if (Mission.Metrics?.Unpriced is { Enabled: true } unpriced)
            {
                unpriced.Add(
                    1,
                    new KeyValuePair<string, object?>(AgentCostsMetrics.AgentNameTag, Agent.Name),
                    new KeyValuePair<string, object?>(AgentCostsMetrics.ModelTag, model));
            }

            if (Client._options.Logger is { } logger)
            {
                AgentCostsLog.UnpricedCall(logger, model ?? "(none)", Agent.Name, Estimate.Credits);
            }
        }

        public readonly void Failed()
        {
            try
            {
                if (Client._options.RecordFailedCalls)
                {
                    Agent.RecordUsage(null, TokenUsage.Zero, ExactCredits.Zero, Elapsed());
                }
            }
            finally
            {
                Hold?.Dispose();
            }
        }

        private readonly TimeSpan Elapsed() => Client._options.TimeProvider.GetElapsedTime(StartTimestamp);
    }
}
