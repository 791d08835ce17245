namespace MissionHost.Tests;

/// <summary>The dashboard tests share one sample database and run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class DashboardCollection : ICollectionFixture<SampleData>
{
    public const string Name = "dashboard";
}
