namespace AgentCosts.Internal;

/// <summary>
/// The one rule for agent names, applied where names enter (recording, snapshots) and where they are read back (JSON):
/// non-empty and well-formed UTF-16.
/// </summary>
/// <remarks>
/// A lone surrogate cannot be written as UTF-8 JSON without being replaced, so such a name is refused instead of being
/// silently changed.
/// </remarks>
internal static class AgentNames
{
    public static void Validate(string name, string paramName)
    {
        ArgumentException.ThrowIfNullOrEmpty(name, paramName);
        if (!Shared.WellFormedText.IsWellFormed(name))
        {
            throw new ArgumentException("An agent name must be well-formed UTF-16: this one contains a lone surrogate.", paramName);
        }
    }
}
