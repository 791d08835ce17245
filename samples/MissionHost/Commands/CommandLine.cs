using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Npgsql;

namespace MissionHost.Commands;

/// <summary>
/// The sample's command tree for System.CommandLine (generated help with the defaults, <c>--version</c>,
/// <c>--name=value</c>) and the options the commands share. Each command binds its typed options once, and a value that
/// cannot be right (a count below its minimum, an empty connection string) is a parse error.
/// </summary>
internal static class CommandLine
{
    /// <summary>The command tree: the default flow at the root, then one subcommand per class in this folder.</summary>
    public static RootCommand Build(ChooseCommand choose)
    {
        var root = DefaultCommand.Create(choose);
        foreach (var command in new[]
        {
            LegacySeedCommand.Create(choose), MigrateCommand.Create(choose), SeedCommand.Create(choose), MissionsCommand.Create(choose),
            RotateCommand.Create(choose), ReportCommand.Create(choose), VerifyCommand.Create(choose), ServeCommand.Create(choose),
        })
        {
            root.Subcommands.Add(command);
        }

        return root;
    }

    public static Option<T> Add<T>(Command command, Option<T> option)
    {
        command.Options.Add(option);
        return option;
    }

    /// <summary>--db and --postgres, on every command.</summary>
    public static DatabaseOptions Database(Command command)
    {
        var db = Add(command, new Option<FileInfo>("--db")
        {
            Description = "The SQLite database (default ./missionhost-data/missionhost.db; the key ring is kept beside it; relative to the current folder).",
            HelpName = "PATH",
        });
        var postgres = Add(command, new Option<string>("--postgres")
        {
            Description = "Use PostgreSQL (an Npgsql connection string) instead of the SQLite file; the key ring then lives in the database, shared by "
                + "every host (also: configuration key MissionHost:Postgres, environment MissionHost__Postgres). --db's folder still holds the "
                + "development key files and reports.",
            HelpName = "CONNECTION",
        });
        postgres.Validators.Add(result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (string.IsNullOrWhiteSpace(text))
            {
                result.AddError("--postgres needs a connection string, for example \"Host=127.0.0.1;Username=postgres;Database=missionhost\".");
                return;
            }

            try
            {
                _ = new NpgsqlConnectionStringBuilder(text);
            }
            catch (ArgumentException ex)
            {
                result.AddError($"--postgres is not a valid connection string: {ex.Message}");
            }
        });
        return new DatabaseOptions(db, postgres);
    }

    public static Option<int> Users() => Number("--users", "N", "Profiles to add.", min: 1, defaultValue: 10_000);

    public static Option<int> Count(string description, int defaultValue, int min) => Number("--count", "M", description, min, defaultValue);

    public static Option<int> Seed() => Number("--seed", "S", "The seed of the scripted model: the same seed gives the same token use.", min: 0, defaultValue: 42);

    public static Option<int?> Number(string name, string helpName, string description, int min) => new(name)
    {
        Description = description,
        HelpName = helpName,
        CustomParser = result => ParseNumber(result, name, min),
    };

    private static Option<int> Number(string name, string helpName, string description, int min, int defaultValue) => new(name)
    {
        Description = description,
        HelpName = helpName,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result => ParseNumber(result, name, min) ?? defaultValue,
    };

    /// <summary>A whole number of at least <paramref name="min"/>; anything else is a usage error that names the option and what was given.</summary>
    private static int? ParseNumber(ArgumentResult result, string name, int min)
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value >= min)
        {
            return value;
        }

        result.AddError($"Option {name} must be a whole number of at least {min}; got '{text}'.");
        return null;
    }

}
