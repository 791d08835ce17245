using System.CommandLine;
using System.Globalization;
using AgentCosts;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MissionHost.Data;
using MissionHost.Hosting;
using MissionHost.Missions;
using Spectre.Console;

namespace MissionHost.Commands;

/// <summary><c>missions --count M [--seed S]</c>: runs simulated missions and stores <c>cost</c> and <c>agentCosts</c>.</summary>
internal static class MissionsCommand
{
    /// <summary><c>missions</c>: its options, and the work it hands to Program.</summary>
    public static Command Create(ChooseCommand choose)
    {
        var command = new Command("missions", "Run missions of Agent Framework agents through the cost-tracking pipeline and store their costs.");
        var database = CommandLine.Database(command);
        var count = CommandLine.Add(command, CommandLine.Count("Missions to run.", 20, min: 1));
        var seed = CommandLine.Add(command, CommandLine.Seed());
        command.SetAction(r => choose(ct => database.Bind(r).WithHostAsync(createIfMissing: false, ct, async host =>
        {
            await RunAsync(host, r.GetValue(count), r.GetValue(seed), ct);
            return 0;
        })));
        return command;
    }

    public static async Task RunAsync(SampleHost host, int count, int seed, CancellationToken cancellationToken)
    {
        await using var context = host.CreateContext();
        long existing = await context.Missions.LongCountAsync(cancellationToken);
        var table = new Table().Border(TableBorder.Rounded).Title("Missions")
            .AddColumn("mission").AddColumn(new TableColumn("steps").RightAligned()).AddColumn(new TableColumn("refused").RightAligned())
            .AddColumn(new TableColumn("tokens").RightAligned())
            .AddColumn(new TableColumn("spent/limit").RightAligned()).AddColumn(new TableColumn("over").RightAligned())
            .AddColumn(new TableColumn($"{MissionSimulator.BudgetedAgent}").RightAligned());
        var total = MissionCosts.Empty;
        for (int i = 0; i < count; i++)
        {
            string name = string.Create(CultureInfo.InvariantCulture, $"mission-{existing + i + 1:D4}");
            var started = DateTimeOffset.UtcNow;

            // Each mission is billed on a date of its own: half before small-fast's price change, half after.
            using var model = MissionSimulator.CreatePipeline(host.Prices, host.Services, new MissionClock(MissionPrices.MissionDate(i, count)));
            var result = await MissionSimulator.RunAsync(host.Missions.Create(), model, seed + i, cancellationToken);
            total = total.Merge(result.Costs);
            context.Missions.Add(new Mission
            {
                Name = name,
                Cost = result.Costs.Total.Cost,
                AgentCosts = result.Costs.ToJson(),
                StartedAt = started,
                CompletedAt = DateTimeOffset.UtcNow,
            });
            await context.SaveChangesAsync(cancellationToken);
            if (i < 8 || i == count - 1)
            {
                table.AddRow(
                    name,
                    $"{result.StepsRun}",
                    $"{result.StepsRefused}",
                    $"{result.Costs.Total.Tokens:N0}",
                    $"{result.BudgetSpent.Credits:N2}/{result.BudgetLimit.Credits:N0}",
                    $"{result.Overshoot.Credits:N2}",
                    result.AgentBudget is { } agent ? $"{agent.Spent.Credits:N2}/{agent.Limit.Credits:N0}" : "");
            }
            else if (i == 8)
            {
                table.AddRow("…", "", "", "", "", "", "");
            }
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"Each call reserves its estimate (input counted with the model's tokenizer, output at its cap) from the mission's budget "
            + $"and, for the {MissionSimulator.BudgetedAgent}, from its own share ({MissionSimulator.BudgetedAgentShare:P0}); a call no level can cover is "
            + "refused before the model is called. Over: what calls cost beyond what they reserved.");
        AnsiConsole.MarkupLine($"Ran and stored [bold]{count}[/] missions (seed {seed}), priced from {MissionPrices.MissionDate(0, count):yyyy-MM-dd} to {MissionPrices.MissionDate(count - 1, count):yyyy-MM-dd}: small-fast's price doubles on {MissionPrices.PriceChange:yyyy-MM-dd}, large-reasoner bills a request over {MissionPrices.LongContextThresholdTokens:N0} input tokens at its long-context rate, balanced bills cache writes.");
        if (host.Services.GetService<TraceSummary>() is { } traces)
        {
            AnsiConsole.MarkupLine($"{Markup.Escape(traces.Describe())} The missions' exact total: {total.Total.ExactCost.Credits:N2} credits.");
        }
    }
}
