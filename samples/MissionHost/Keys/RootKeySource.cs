using MissionHost.Hosting;
using Spectre.Console;

namespace MissionHost.Keys;

/// <summary>
/// The key ring's root key: base64 from an environment variable in real deployments; for local development a key file
/// beside the database, created on first use with a warning.
/// </summary>
internal static class RootKeySource
{
    public static byte[] Load(string environmentVariable, DataPaths paths, bool mayCreate)
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable(environmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return Decode(environmentVariable, fromEnvironment);
        }

        if (File.Exists(paths.DevelopmentRootKey))
        {
            return Convert.FromBase64String(File.ReadAllText(paths.DevelopmentRootKey).Trim());
        }

        if (!mayCreate)
        {
            throw new SampleException($"No root key: set {environmentVariable} (base64 of 32 bytes), or keep the development key file {paths.DevelopmentRootKey}.");
        }

        var created = VersionedEnvelope.Storage.FileKeyRingStore.GenerateRootKey();
        WritePrivateFile(paths, paths.DevelopmentRootKey, Convert.ToBase64String(created));

        AnsiConsole.MarkupLine($"[yellow]warning:[/] {environmentVariable} is not set, so a development root key was written to [bold]{Markup.Escape(paths.DevelopmentRootKey)}[/]. Use a real secret in production.");
        return created;
    }

    /// <summary>Base64 of exactly 32 bytes, or a clear error naming the variable (never its value).</summary>
    public static byte[] Decode(string environmentVariable, string base64)
    {
        try
        {
            var key = Convert.FromBase64String(base64.Trim());
            return key.Length == 32 ? key : throw new SampleException($"{environmentVariable} must be base64 of 32 bytes; it decodes to {key.Length}.");
        }
        catch (FormatException)
        {
            throw new SampleException($"{environmentVariable} is not valid base64.");
        }
    }

    /// <summary>Writes a development key file only its owner can read.</summary>
    public static void WritePrivateFile(DataPaths paths, string file, string contents)
    {
        Directory.CreateDirectory(paths.Directory);
        File.WriteAllText(file, contents);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
