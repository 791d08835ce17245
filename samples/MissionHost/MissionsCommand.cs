using System.Globalization;
using Spectre.Console;

namespace MissionHost;

/// <summary><c>missions --count M [--seed S]</c>: runs simulated missions and stores <c>cost</c> and <c>agentCosts</c>.</summary>
internal static class MissionsCommand
{
    public static async Task RunAsync(SampleHost host, int count, int seed, CancellationToken cancellationToken)
    {
        using var connection = host.Database.Open();
        long existing = Database.Scalar<long>(connection, "SELECT COUNT(*) FROM Mission");
        var table = new Table().Border(TableBorder.Rounded).Title("Missions")
            .AddColumn("mission").AddColumn(new TableColumn("steps").RightAligned()).AddColumn(new TableColumn("refused").RightAligned())
            .AddColumn(new TableColumn("tokens").RightAligned()).AddColumn(new TableColumn("credits").RightAligned()).AddColumn(new TableColumn("budget").RightAligned());
        using var model = MissionSimulator.CreatePipeline(host.Prices, host.Services);
        for (int i = 0; i < count; i++)
        {
            string name = string.Create(CultureInfo.InvariantCulture, $"mission-{existing + i + 1:D4}");
            var started = DateTimeOffset.UtcNow;
            var result = await MissionSimulator.RunAsync(host.Missions.Create(), model, seed + i, cancellationToken);
            Database.Execute(
                connection,
                "INSERT INTO Mission (name, cost, agentCosts, startedAt, completedAt) VALUES ($name, $cost, $agentCosts, $started, $completed)",
                null,
                ("$name", name),
                ("$cost", result.Costs.Total.Cost),
                ("$agentCosts", result.Costs.ToJson()),
                ("$started", started.ToString("O", CultureInfo.InvariantCulture)),
                ("$completed", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture)));
            if (i < 8 || i == count - 1)
            {
                table.AddRow(name, $"{result.StepsRun}", $"{result.StepsRefused}", $"{result.Costs.Total.Tokens:N0}", $"{result.Costs.Total.Cost:N0}", $"{result.BudgetSpent.Credits:N2}/{result.BudgetLimit.Credits:N0}");
            }
            else if (i == 8)
            {
                table.AddRow("…", "", "", "", "", "");
            }
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"Ran and stored [bold]{count}[/] missions (seed {seed}).");
    }
}
