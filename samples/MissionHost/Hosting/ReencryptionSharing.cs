namespace MissionHost.Hosting;

/// <summary>How this host takes part in a run shared by claimed key ranges (PostgreSQL): its name, the lease, the ranges.</summary>
internal sealed record ReencryptionSharing(string HostId, TimeSpan LeaseDuration, int Ranges);
