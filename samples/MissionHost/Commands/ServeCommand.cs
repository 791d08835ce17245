using System.CommandLine;
using MissionHost.Dashboard;
using Spectre.Console;

namespace MissionHost.Commands;

/// <summary><c>serve</c>: the web dashboard and JSON APIs on Kestrel, until Ctrl+C or SIGTERM.</summary>
internal static class ServeCommand
{
    public static Command Create(ChooseCommand choose)
    {
        var command = new Command(
            "serve",
            "The web dashboard and JSON APIs on Kestrel; the admin token for rotation comes from Dashboard__AdminToken (made and printed once when unset).");
        var database = CommandLine.Database(command);
        var urls = CommandLine.Add(command, new Option<string>("--urls")
        {
            Description = "Where to listen.",
            HelpName = "URL",
            DefaultValueFactory = _ => DashboardApp.DefaultUrl,
        });
        command.SetAction(r => choose(ct => RunAsync(database.Bind(r), r.GetRequiredValue(urls), ct)));
        return command;
    }

    private static async Task<int> RunAsync(DatabaseArguments database, string urls, CancellationToken cancellationToken)
    {
        var target = database.Target();
        await using var app = await DashboardApp.BuildAsync(target, ["--urls", urls], cancellationToken: cancellationToken);
        await app.StartAsync(cancellationToken);
        AnsiConsole.MarkupLine($"Dashboard on [bold]{Markup.Escape(string.Join(", ", app.Urls))}[/] (database: {Markup.Escape(target.Describe())}). "
            + "Ctrl+C or SIGTERM stops it.");

        // The host's console lifetime turns SIGTERM (kill, systemd, docker stop) and Ctrl+C into a graceful stop:
        // in-flight requests finish and the re-encryption stops at a checkpoint, within the host's shutdown timeout.
        using var stopOnCancel = cancellationToken.Register(() => app.Lifetime.StopApplication());
        await app.WaitForShutdownAsync(CancellationToken.None);
        return 0;
    }
}
