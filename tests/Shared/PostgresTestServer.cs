namespace Shared.Tests;

/// <summary>
/// The PostgreSQL server the tests use: the one named by VERSIONEDENVELOPE_POSTGRES (.ci/run starts one), else a
/// throw-away cluster the assembly starts itself where the server binaries are installed. Without either a test that
/// needs it is skipped, and fails under CI (CI=true), so a green CI run means it ran. Compiled into the test projects
/// that reach a real server.
/// </summary>
internal static class PostgresTestServer
{
    public const string Variable = "VERSIONEDENVELOPE_POSTGRES";

    /// <summary>The server's connection string, or a skip (a failure under CI).</summary>
    public static string RequireConnectionString()
    {
        string? server = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrEmpty(server))
        {
            return server;
        }

        return ThrowAwayPostgres.ConnectionString(out string? whyNot)
            ?? throw ExternalPart.MissingException($"These tests need a PostgreSQL server: {whyNot}, or set {Variable} to a server's connection string.");
    }
}
