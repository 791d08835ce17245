using MissionHost.Hosting;
using Spectre.Console;

namespace MissionHost.Keys;

/// <summary>
/// The raw AES-256 key the application used before Phase 9 (no key ring, no version): base64 from
/// <c>MISSIONHOST_LEGACY_KEY</c>, or for local development a key file beside the database, made by <c>legacy-seed</c>.
/// <c>migrate</c> imports it as version 1 of the new key ring, so every old value stays readable.
/// </summary>
internal static class LegacyKeySource
{
    public const string EnvironmentVariable = "MISSIONHOST_LEGACY_KEY";

    /// <summary>The key, or null when there is none (a database that never had legacy values).</summary>
    public static byte[]? Load(DataPaths paths, bool mayCreate)
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } fromEnvironment)
        {
            return RootKeySource.Decode(EnvironmentVariable, fromEnvironment);
        }

        if (File.Exists(paths.DevelopmentLegacyKey))
        {
            return Convert.FromBase64String(File.ReadAllText(paths.DevelopmentLegacyKey).Trim());
        }

        if (!mayCreate)
        {
            return null;
        }

        var created = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        RootKeySource.WritePrivateFile(paths, paths.DevelopmentLegacyKey, Convert.ToBase64String(created));
        AnsiConsole.MarkupLine($"[yellow]warning:[/] {EnvironmentVariable} is not set, so the pre-Phase-9 development key was written to [bold]{Markup.Escape(paths.DevelopmentLegacyKey)}[/].");
        return created;
    }
}
