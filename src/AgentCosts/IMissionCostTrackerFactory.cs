namespace AgentCosts;

/// <summary>Creates mission trackers wired to the registered clock, metrics and default budget.</summary>
public interface IMissionCostTrackerFactory
{
    /// <summary>Creates a tracker for a new mission.</summary>
    /// <param name="budgetCredits">The mission's budget; the configured default when omitted.</param>
    /// <returns>The tracker.</returns>
    MissionCostTracker Create(long? budgetCredits = null);
}
