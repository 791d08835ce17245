using System.Globalization;

namespace VersionedEnvelope.Cli;

/// <summary>The words before the options (the command path), then <c>--name value</c> options and flags.</summary>
internal sealed class CliArguments
{
    private static readonly HashSet<string> FlagNames = ["--help", "-h", "--text", "--force"];
    private readonly Dictionary<string, string> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    private CliArguments(List<string> words) => Words = words;

    public IReadOnlyList<string> Words { get; }

    public bool Help => _flags.Contains("--help") || _flags.Contains("-h");

    public static CliArguments Parse(string[] args)
    {
        var words = new List<string>();
        var parsed = new CliArguments(words);
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (FlagNames.Contains(arg))
            {
                parsed._flags.Add(arg);
            }
            else if (arg.StartsWith('-'))
            {
                if (i + 1 >= args.Length)
                {
                    throw new UsageException($"Option {arg} needs a value.");
                }

                if (!parsed._options.TryAdd(arg, args[++i]))
                {
                    throw new UsageException($"Option {arg} is given twice.");
                }
            }
            else if (parsed._options.Count == 0 && parsed._flags.Count == 0)
            {
                words.Add(arg);
            }
            else
            {
                throw new UsageException($"Unexpected argument '{arg}'.");
            }
        }

        return parsed;
    }

    public bool Flag(string name) => _flags.Contains(name);

    public string? Get(string name) => _options.GetValueOrDefault(name);

    public string Require(string name) => Get(name) ?? throw new UsageException($"Option {name} is required.");

    public int RequireInt(string name) => ParseInt(name, Require(name));

    public int? GetInt(string name) => Get(name) is { } text ? ParseInt(name, text) : null;

    public void AllowOnly(params string[] names)
    {
        var allowed = new HashSet<string>(names, StringComparer.Ordinal);
        foreach (var name in _options.Keys.Concat(_flags))
        {
            if (!allowed.Contains(name) && name is not ("--help" or "-h"))
            {
                throw new UsageException($"Option {name} does not apply to '{string.Join(' ', Words)}'.");
            }
        }
    }

    private static int ParseInt(string name, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value > 0
            ? value
            : throw new UsageException($"Option {name} must be a positive whole number; got '{text}'.");
}

/// <summary>The command line is wrong: exit code 2 with the command's help.</summary>
internal sealed class UsageException(string message) : Exception(message);
