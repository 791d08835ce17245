using System.Globalization;

namespace VersionedEnvelope.Cli;

/// <summary>A command's path and the option values System.CommandLine parsed for it, as the handlers read them.</summary>
internal sealed class CliArguments(IReadOnlyList<string> words, IReadOnlyDictionary<string, string> options, IReadOnlySet<string> flags)
{
    public IReadOnlyList<string> Words { get; } = words;

    public bool Flag(string name) => flags.Contains(name);

    public string? Get(string name) => options.GetValueOrDefault(name);

    public string Require(string name) => Get(name) ?? throw new UsageException($"Option {name} is required.");

    public int RequireInt(string name) => ParseInt(name, Require(name));

    public int? GetInt(string name) => Get(name) is { } text ? ParseInt(name, text) : null;

    private static int ParseInt(string name, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value > 0
            ? value
            : throw new UsageException($"Option {name} must be a positive whole number; got '{text}'.");
}

/// <summary>The command line is wrong: exit code 2 with the command's help.</summary>
internal sealed class UsageException(string message) : Exception(message);
