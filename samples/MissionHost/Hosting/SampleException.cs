namespace MissionHost.Hosting;

/// <summary>An expected failure with a message for the operator: exit code 1.</summary>
internal sealed class SampleException(string message) : Exception(message);
