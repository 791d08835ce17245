using System.Buffers;
using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using AgentCosts.Serialization;

namespace AgentCosts;

/// <summary>
/// An immutable snapshot of one mission's (or several merged missions') costs per agent, in ordinal name order, with
/// totals. Reads and writes the <c>agentCosts</c> JSON: <c>{"agent":{"tokens":n,"cost":n,"duration":n}}</c>.
/// </summary>
public sealed class MissionCosts : IEquatable<MissionCosts>
{
    private readonly ImmutableSortedDictionary<string, AgentCost> _agents;

    /// <summary>Creates a snapshot from per-agent costs.</summary>
    /// <param name="agents">Costs by agent name; names are non-empty and unique (ordinal).</param>
    /// <exception cref="ArgumentException">A name is empty or repeated.</exception>
    /// <exception cref="OverflowException">A total exceeds <see cref="long.MaxValue"/>.</exception>
    public MissionCosts(IEnumerable<KeyValuePair<string, AgentCost>> agents)
    {
        ArgumentNullException.ThrowIfNull(agents);
        var builder = ImmutableSortedDictionary.CreateBuilder<string, AgentCost>(StringComparer.Ordinal);
        var total = AgentCost.Zero;
        foreach (var (name, cost) in agents)
        {
            ArgumentException.ThrowIfNullOrEmpty(name, nameof(agents));
            if (!builder.TryAdd(name, cost))
            {
                throw new ArgumentException($"Agent '{name}' appears more than once.", nameof(agents));
            }

            total += cost;
        }

        _agents = builder.ToImmutable();
        Total = total;
    }

    private MissionCosts(ImmutableSortedDictionary<string, AgentCost> agents, AgentCost total)
    {
        _agents = agents;
        Total = total;
    }

    /// <summary>A mission with no agents.</summary>
    public static MissionCosts Empty { get; } = new([]);

    /// <summary>Costs by agent name, in ordinal order.</summary>
    public IReadOnlyDictionary<string, AgentCost> Agents => _agents;

    /// <summary>The sum over all agents.</summary>
    public AgentCost Total { get; }

    /// <summary>Reads <c>agentCosts</c> JSON strictly: exactly the documented shape, or a <see cref="JsonException"/>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The snapshot.</returns>
    /// <exception cref="JsonException">The JSON is invalid or not exactly the <c>agentCosts</c> shape; nothing is half-read.</exception>
    public static MissionCosts Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return Parse(Encoding.UTF8.GetBytes(json));
    }

    /// <summary>Reads UTF-8 <c>agentCosts</c> JSON strictly.</summary>
    /// <param name="utf8Json">The UTF-8 JSON.</param>
    /// <returns>The snapshot.</returns>
    /// <exception cref="JsonException">The JSON is invalid or not exactly the <c>agentCosts</c> shape.</exception>
    public static MissionCosts Parse(ReadOnlySpan<byte> utf8Json) => new(AgentCostsJson.Read(utf8Json));

    /// <summary>Merges two snapshots: per-agent sums. Associative and commutative.</summary>
    /// <param name="other">Another snapshot.</param>
    /// <returns>The merged snapshot.</returns>
    /// <exception cref="OverflowException">A sum exceeds <see cref="long.MaxValue"/>.</exception>
    public MissionCosts Merge(MissionCosts other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var builder = _agents.ToBuilder();
        foreach (var (name, cost) in other._agents)
        {
            builder[name] = builder.TryGetValue(name, out var existing) ? existing + cost : cost;
        }

        return new MissionCosts(builder.ToImmutable(), Total + other.Total);
    }

    /// <summary>Merges any number of snapshots.</summary>
    /// <param name="missions">The snapshots.</param>
    /// <returns>The merged snapshot; <see cref="Empty"/> for none.</returns>
    public static MissionCosts Merge(IEnumerable<MissionCosts> missions)
    {
        ArgumentNullException.ThrowIfNull(missions);
        return missions.Aggregate(Empty, (sum, next) => sum.Merge(next));
    }

    /// <summary>Writes the compact <c>agentCosts</c> JSON, agents in ordinal order.</summary>
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
        other is not null && _agents.Count == other._agents.Count && _agents.All(pair => other._agents.TryGetValue(pair.Key, out var cost) && cost == pair.Value);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as MissionCosts);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_agents.Count, Total);

    /// <summary>Describes the snapshot.</summary>
    /// <returns>The agent count and totals.</returns>
    public override string ToString() => $"{_agents.Count} agents, {Total}";
}
