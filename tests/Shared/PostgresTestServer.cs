namespace Shared.Tests;

/// <summary>
/// The PostgreSQL server the tests may use: its connection string in VERSIONEDENVELOPE_POSTGRES (.ci/run starts one).
/// Without it a test that needs it is skipped, and fails under CI (CI=true), so a green CI run means it ran.
/// Compiled into the test projects that reach a real server.
/// </summary>
internal static class PostgresTestServer
{
    public const string Variable = "VERSIONEDENVELOPE_POSTGRES";

    /// <summary>The server's connection string, or a skip (a failure under CI).</summary>
    public static string RequireConnectionString()
    {
        string? server = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(server))
        {
            ExternalPart.Missing($"{Variable} is not set: these tests need a PostgreSQL server (.ci/run starts one; .ci/postgres start DIR prints its connection string).");
        }

        return server;
    }
}
