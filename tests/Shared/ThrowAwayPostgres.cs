using System.Net;
using System.Net.Sockets;

namespace Shared.Tests;

/// <summary>
/// A PostgreSQL cluster this test assembly starts itself when VERSIONEDENVELOPE_POSTGRES is not set but Debian's server
/// binaries are installed: initdb in a temporary folder, a free port on 127.0.0.1, run as the postgres user when the
/// tests run as root. Shared by the assembly's tests, stopped and deleted when the process exits; a cluster that a
/// crashed run left behind is stopped and deleted by the next run.
/// </summary>
internal static class ThrowAwayPostgres
{
    private const string Prefix = "ve-test-postgres-";
    private static readonly Lazy<(string? ConnectionString, string? WhyNot)> Server = new(Start);

    /// <summary>The cluster's connection string, or null with the reason (what to install).</summary>
    public static string? ConnectionString(out string? whyNot)
    {
        (string? connectionString, whyNot) = Server.Value;
        return connectionString;
    }

    private static (string?, string?) Start()
    {
        string? bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderBy(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out int major) ? major : 0).LastOrDefault()
            : null;
        if (bin is null)
        {
            return (null, "PostgreSQL's server binaries are not installed (apt-get install -y postgresql)");
        }

        RemoveLeftovers(bin);
        string folder = LocalProcess.NewOwnedFolder(Prefix);
        string data = Path.Combine(folder, "data");
        if (LocalProcess.IsRoot)
        {
            // The server refuses to run as root: the postgres user owns the folder (the temporary directory is world-executable).
            LocalProcess.Run("chown", ["postgres", folder]);
        }

        int port = FreePort();
        LocalProcess.RunAs("postgres", Path.Combine(bin, "initdb"), "-D", data, "-A", "trust", "-U", "postgres");
        LocalProcess.RunAs(
            "postgres",
            Path.Combine(bin, "pg_ctl"),
            "-D", data, "-l", Path.Combine(data, "server.log"), "-w",
            "-o", $"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=200",
            "start");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop(bin, folder);
        LocalProcess.RunAs("postgres", Path.Combine(bin, "createdb"), "-h", "127.0.0.1", "-p", $"{port}", "-U", "postgres", "versioned_envelope");
        return ($"Host=127.0.0.1;Port={port};Username=postgres;Database=versioned_envelope", null);
    }

    private static void RemoveLeftovers(string bin)
    {
        foreach (string folder in Directory.GetDirectories(Path.GetTempPath(), Prefix + "*").Where(LocalProcess.OwnerIsGone))
        {
            Stop(bin, folder);
        }
    }

    private static void Stop(string bin, string folder)
    {
        try
        {
            string data = Path.Combine(folder, "data");
            if (File.Exists(Path.Combine(data, "postmaster.pid")))
            {
                LocalProcess.RunAs("postgres", Path.Combine(bin, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop");
            }
        }
        catch (InvalidOperationException)
        {
            // Already stopped: nothing to do but delete.
        }

        Directory.Delete(folder, recursive: true);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
