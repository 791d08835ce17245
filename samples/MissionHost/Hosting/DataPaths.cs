namespace MissionHost.Hosting;

/// <summary>Where the sample keeps its database, key ring and development root key.</summary>
internal sealed record DataPaths(string Directory, string Database)
{
    public string KeyRing => Path.Combine(Directory, "keyring.json");

    public string DevelopmentRootKey => Path.Combine(Directory, "dev-root-key.txt");

    /// <summary>The pre-Phase-9 application's raw key, for local development.</summary>
    public string DevelopmentLegacyKey => Path.Combine(Directory, "dev-legacy-key.txt");

    public static DataPaths For(string databasePath)
    {
        string full = Path.GetFullPath(databasePath);
        return new DataPaths(Path.GetDirectoryName(full)!, full);
    }
}
