using System.Diagnostics;

namespace Shared.Tests;

/// <summary>Runs the command-line tools a throw-away test part needs (initdb, pg_ctl, softhsm2-util) and finds them.</summary>
internal static class LocalProcess
{
    /// <summary>Runs a program to its end; throws with its output when it fails.</summary>
    public static string Run(string program, IEnumerable<string> arguments, IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0
            ? output
            : throw new InvalidOperationException($"{program} {string.Join(' ', start.ArgumentList)} exited with {process.ExitCode}: {error.Result}{output}");
    }

    /// <summary>Runs a program as the given user when this process is root (servers that refuse root), else as itself.</summary>
    public static string RunAs(string user, string program, params string[] arguments) =>
        IsRoot ? Run("runuser", ["-u", user, "--", program, .. arguments]) : Run(program, arguments);

    public static bool IsRoot => Environment.UserName == "root";

    /// <summary>The full path of a program on the PATH, or null.</summary>
    public static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);

    /// <summary>Whether the process that wrote a folder's owner file is gone (a crashed test run left the folder behind).</summary>
    public static bool OwnerIsGone(string folder)
    {
        string owner = Path.Combine(folder, "owner.pid");
        if (!File.Exists(owner) || !int.TryParse(File.ReadAllText(owner), out int pid))
        {
            return true;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }

    /// <summary>A new folder under the temporary directory, marked with this process's id for the next run's clean-up.</summary>
    public static string NewOwnedFolder(string prefix)
    {
        string folder = Path.Combine(Path.GetTempPath(), $"{prefix}{Environment.ProcessId}-{Guid.NewGuid():N}"[..(prefix.Length + 20)]);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "owner.pid"), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return folder;
    }
}
