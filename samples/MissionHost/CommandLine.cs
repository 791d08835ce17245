using System.Globalization;

namespace MissionHost;

/// <summary>Plain argument parsing: an optional command followed by <c>--name value</c> options and flags.</summary>
internal sealed class CommandLine
{
    private static readonly HashSet<string> Flags = ["--help", "-h"];
    private readonly Dictionary<string, string> _options;

    private CommandLine(string? command, Dictionary<string, string> options, bool help)
    {
        Command = command;
        _options = options;
        Help = help;
    }

    public string? Command { get; }

    public bool Help { get; }

    public static CommandLine Parse(string[] args)
    {
        string? command = null;
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        bool help = false;
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (Flags.Contains(arg))
            {
                help = true;
            }
            else if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw new UsageException($"Option {arg} needs a value.");
                }

                options[arg] = args[++i];
            }
            else if (command is null && i == 0)
            {
                command = arg;
            }
            else
            {
                throw new UsageException($"Unexpected argument '{arg}'.");
            }
        }

        return new CommandLine(command, options, help);
    }

    public string? Get(string name) => _options.GetValueOrDefault(name);

    public int GetInt(string name, int defaultValue, int min = 0)
    {
        if (!_options.TryGetValue(name, out var text))
        {
            return defaultValue;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value >= min
            ? value
            : throw new UsageException($"Option {name} must be a whole number of at least {min}; got '{text}'.");
    }

    public void AllowOnly(params string[] names)
    {
        var unknown = _options.Keys.Except(names).ToArray();
        if (unknown.Length > 0)
        {
            throw new UsageException($"Unknown option {unknown[0]} for '{Command ?? "(all)"}'.");
        }
    }
}

/// <summary>A mistake in the command line: exit code 2 and the usage text.</summary>
internal sealed class UsageException(string message) : Exception(message);
