using System.Buffers;
using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using AgentCosts.Internal;
using AgentCosts.Serialization;

namespace AgentCosts;

/// <summary>
/// An immutable snapshot of one mission's (or several merged missions') costs per agent, in ordinal name order, with
/// totals. Reads and writes the <c>agentCosts</c> JSON: <c>{"agent":{"tokens":n,"cost":n,"duration":n}}</c>.
/// </summary>
public sealed class MissionCosts : IEquatable<MissionCosts>
{
    private readonly ImmutableSortedDictionary<string, AgentCost> _agents;
    private readonly ImmutableSortedDictionary<string, ModelUsage> _models;
    private readonly ImmutableSortedDictionary<string, string> _parents;

    /// <summary>Creates a snapshot from per-agent costs, and optionally per-model usage and the sub-agents' parents.</summary>
    /// <param name="agents">Costs by agent name; names are non-empty and unique (ordinal).</param>
    /// <param name="rounding">How the exact total becomes whole credits.</param>
    /// <param name="models">Totals per model, when known (they are not part of the <c>agentCosts</c> JSON).</param>
    /// <param name="parents">Sub-agent → the agent that started it; an entry that would make a cycle is refused.</param>
    /// <exception cref="ArgumentException">An agent or model appears twice, a name is empty, or the parents make a cycle.</exception>
    /// <exception cref="OverflowException">A total exceeds <see cref="long.MaxValue"/>.</exception>
    /// <remarks>
    /// The exact total is rounded once and the whole credits are apportioned to the agents by largest remainder (ties to
    /// the ordinally smaller name), so the agents' costs add up to the total's.
    /// </remarks>
    public MissionCosts(
        IEnumerable<KeyValuePair<string, AgentCost>> agents,
        CreditRounding rounding = AgentCostsDefaults.Rounding,
        IEnumerable<KeyValuePair<string, ModelUsage>>? models = null,
        IEnumerable<KeyValuePair<string, string>>? parents = null)
    {
        ArgumentNullException.ThrowIfNull(agents);
        var builder = ImmutableSortedDictionary.CreateBuilder<string, AgentCost>(StringComparer.Ordinal);
        foreach (var (name, cost) in agents)
        {
            AgentNames.Validate(name, nameof(agents));
            if (!builder.TryAdd(name, cost))
            {
                throw new ArgumentException($"Agent '{name}' appears more than once.", nameof(agents));
            }
        }

        var modelBuilder = ImmutableSortedDictionary.CreateBuilder<string, ModelUsage>(StringComparer.Ordinal);
        foreach (var (model, usage) in models ?? [])
        {
            ArgumentException.ThrowIfNullOrEmpty(model, nameof(models));
            if (!modelBuilder.TryAdd(model, usage))
            {
                throw new ArgumentException($"Model '{model}' appears more than once.", nameof(models));
            }
        }

        if (!Enum.IsDefined(rounding))
        {
            throw new ArgumentOutOfRangeException(nameof(rounding), rounding, "Unknown rounding.");
        }

        var (apportioned, total) = CreditApportionment.Apportion([.. builder], rounding);
        _agents = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, apportioned);
        _models = modelBuilder.ToImmutable();
        _parents = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, parents ?? []);
        foreach (var (agent, _) in _parents)
        {
            AgentNames.Validate(agent, nameof(parents));
            var seen = new HashSet<string>(StringComparer.Ordinal) { agent };
            for (string? ancestor = _parents[agent]; ancestor is not null; ancestor = _parents.GetValueOrDefault(ancestor))
            {
                if (!seen.Add(ancestor))
                {
                    throw new ArgumentException($"The parents of '{agent}' make a cycle.", nameof(parents));
                }
            }
        }

        Total = total;
        Rounding = rounding;
    }

    /// <summary>A mission with no agents.</summary>
    public static MissionCosts Empty { get; } = new([]);

    /// <summary>Costs by agent name, in ordinal order; each agent's <see cref="AgentCost.Cost"/> is its apportioned share.</summary>
    public IReadOnlyDictionary<string, AgentCost> Agents => _agents;

    /// <summary>Totals per model of the calls recorded with their usage; empty for a snapshot read from JSON.</summary>
    public IReadOnlyDictionary<string, ModelUsage> Models => _models;

    /// <summary>The sum over all agents; <see cref="AgentCost.Cost"/> is the exact total rounded once.</summary>
    public AgentCost Total { get; }

    /// <summary>Sub-agent → the agent that started it (recorded when an agent scope begins inside another's).</summary>
    public IReadOnlyDictionary<string, string> Parents => _parents;

    /// <summary>
    /// The same shape as <see cref="Agents"/>, with each top-level agent's line including every sub-agent below it
    /// (exact costs added, then whole credits apportioned again), so a planner shows what its delegation cost.
    /// </summary>
    /// <returns>Per top-level agent, its own cost and its sub-agents'.</returns>
    /// <remarks>
    /// Each cost is counted once, on the agent that spent it; the lines add up to <see cref="Total"/>.
    /// </remarks>
    public IReadOnlyDictionary<string, AgentCost> RollUp()
    {
        var rolled = new SortedDictionary<string, AgentCost>(StringComparer.Ordinal);
        foreach (var (name, cost) in _agents)
        {
            string top = name;
            while (_parents.TryGetValue(top, out var parent))
            {
                top = parent;
            }

            rolled[top] = rolled.TryGetValue(top, out var sum) ? sum + cost : cost;
        }

        var (apportioned, _) = CreditApportionment.Apportion([.. rolled], Rounding);
        return ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, apportioned);
    }

    /// <summary>How the exact total was rounded to whole credits.</summary>
    public CreditRounding Rounding { get; }

    /// <summary>Reads <c>agentCosts</c> JSON strictly: exactly the documented shape, or a <see cref="JsonException"/>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The snapshot.</returns>
    /// <exception cref="JsonException">The JSON is invalid or not exactly the <c>agentCosts</c> shape; nothing is half-read.</exception>
    public static MissionCosts Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (!Shared.WellFormedText.IsWellFormed(json))
        {
            throw new JsonException("agentCosts JSON is not valid: the text contains a lone surrogate (it is not well-formed UTF-16).");
        }

        return Parse(Encoding.UTF8.GetBytes(json));
    }

    /// <summary>Reads UTF-8 <c>agentCosts</c> JSON strictly.</summary>
    /// <param name="utf8Json">The UTF-8 JSON.</param>
    /// <returns>The snapshot.</returns>
    /// <exception cref="JsonException">The JSON is invalid or not exactly the <c>agentCosts</c> shape.</exception>
    public static MissionCosts Parse(ReadOnlySpan<byte> utf8Json)
    {
        var agents = AgentCostsJson.Read(utf8Json);
        try
        {
            return new MissionCosts(agents);
        }
        catch (OverflowException ex)
        {
            throw new JsonException("agentCosts JSON is not valid: the totals over all agents exceed a 64-bit integer.", ex);
        }
    }

    /// <summary>Merges two snapshots: exact per-agent sums, rounded and apportioned again. Associative and commutative.</summary>
    /// <param name="other">Another snapshot.</param>
    /// <returns>The merged snapshot, rounded as this one.</returns>
    /// <exception cref="OverflowException">A sum exceeds <see cref="long.MaxValue"/>.</exception>
    public MissionCosts Merge(MissionCosts other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var agents = _agents.ToBuilder();
        foreach (var (name, cost) in other._agents)
        {
            agents[name] = agents.TryGetValue(name, out var existing) ? existing + cost : cost;
        }

        var models = _models.ToBuilder();
        foreach (var (model, usage) in other._models)
        {
            models[model] = models.TryGetValue(model, out var existing) ? existing + usage : usage;
        }

        // The first parent an agent was given stays (as in a tracker); one that would make a cycle is left out.
        var parents = _parents.ToBuilder();
        foreach (var (agent, parent) in other._parents)
        {
            if (!parents.ContainsKey(agent) && !DescendsFrom(parents, parent, agent))
            {
                parents[agent] = parent;
            }
        }

        return new MissionCosts(agents, Rounding, models, parents);
    }

    /// <summary>Merges any number of snapshots.</summary>
    /// <param name="missions">The snapshots.</param>
    /// <returns>The merged snapshot; <see cref="Empty"/> for none.</returns>
    public static MissionCosts Merge(IEnumerable<MissionCosts> missions)
    {
        ArgumentNullException.ThrowIfNull(missions);
        return missions.Aggregate(Empty, (sum, next) => sum.Merge(next));
    }

    private static bool DescendsFrom(ImmutableSortedDictionary<string, string>.Builder parents, string agent, string ancestor)
    {
        for (string? current = agent; current is not null; current = parents.TryGetValue(current, out var next) ? next : null)
        {
            if (current == ancestor)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Writes the compact <c>agentCosts</c> JSON, agents in ordinal order: the flat shape (parents are not part of it).</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, AgentCostsJson.WriterOptions))
        {
            WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Writes the <c>agentCosts</c> object to a JSON writer.</summary>
    /// <param name="writer">The writer.</param>
    public void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        AgentCostsJson.Write(writer, _agents);
    }

    /// <inheritdoc />
    public bool Equals(MissionCosts? other) =>
        other is not null
        && _agents.Count == other._agents.Count
        && _agents.All(pair => other._agents.TryGetValue(pair.Key, out var cost) && cost == pair.Value)
        && _models.Count == other._models.Count
        && _models.All(pair => other._models.TryGetValue(pair.Key, out var usage) && usage == pair.Value);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as MissionCosts);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_agents.Count, Total);

    /// <summary>Describes the snapshot.</summary>
    /// <returns>The agent count and totals.</returns>
    public override string ToString() => $"{_agents.Count} agents, {Total}";
}
