using System.CommandLine;
using System.Globalization;
using AgentCosts;
using Microsoft.EntityFrameworkCore;
using MissionHost.Data;
using MissionHost.Hosting;
using MissionHost.Missions;
using ScottPlot;
using Spectre.Console;

namespace MissionHost.Commands;

/// <summary>
/// <c>report --out DIR</c>: key usage per version, a cost breakdown per agent across missions, and the files
/// <c>agent-costs.json</c>, <c>breakdown.json</c>, <c>agent-costs.svg</c> and <c>agent-costs.png</c>.
/// </summary>
internal static class ReportCommand
{
    /// <summary><c>report</c>: its options, and the work it hands to Program.</summary>
    public static Command Create(ChooseCommand choose)
    {
        var command = new Command("report", "Key usage per version, the cost breakdown per agent, JSON files and a pie chart.");
        var database = CommandLine.Database(command);
        var output = CommandLine.Add(command, new Option<DirectoryInfo>("--out")
        {
            Description = "Where the files go.",
            HelpName = "DIR",
            DefaultValueFactory = _ => new DirectoryInfo("report"),
        });
        command.SetAction(r => choose(ct => database.Bind(r).WithHostAsync(createIfMissing: false, ct, async host =>
        {
            await RunAsync(host, r.GetRequiredValue(output).ToString(), ct);
            return 0;
        })));
        return command;
    }

    public static async Task RunAsync(SampleHost host, string outputDirectory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(outputDirectory);
        await using var context = host.CreateContext();

        // Counted in SQL from the stored headers (no decryption, no row read into the app).
        var inventory = await context.GetKeyUsageAsync<UserProfile>(p => p.ApiKey, cancellationToken);
        var keys = new Table().Border(TableBorder.Rounded).Title("Key usage (from ciphertext headers, counted in SQL)")
            .AddColumn("version").AddColumn("state").AddColumn(new TableColumn("profiles").RightAligned());
        foreach (var key in host.KeyRing.Current.Keys)
        {
            keys.AddRow($"v{key.Version}", key.State.ToString(), inventory.CountOf(key.Version).ToString("N0", CultureInfo.InvariantCulture));
        }

        if (inventory.Legacy > 0)
        {
            keys.AddRow("legacy (no header)", "", inventory.Legacy.ToString("N0", CultureInfo.InvariantCulture));
        }

        if (inventory.Malformed > 0)
        {
            keys.AddRow("malformed", "", inventory.Malformed.ToString("N0", CultureInfo.InvariantCulture));
        }

        AnsiConsole.Write(keys);

        var result = await AgentCostBreakdownQuery.GetAgentCostBreakdownAsync(context, cancellationToken: cancellationToken);
        var breakdown = result.Breakdown;
        AnsiConsole.Write(CreateBreakdownTable(breakdown));
        AnsiConsole.MarkupLine($"Computed {(context.IsPostgres ? "by one SQL query over the agentCosts jsonb column" : "in memory from the stored agentCosts")}; left out: {result.MissionsWithoutAgentCosts} missions from before Phase 9 (no agentCosts), {result.MalformedMissionIds.Count} malformed.");
        AnsiConsole.Write(CreateRollUpTable(breakdown));

        string latestJson = await context.Missions.Where(m => m.AgentCosts != null).OrderByDescending(m => m.Id).Select(m => m.AgentCosts).FirstOrDefaultAsync(cancellationToken) ?? "{}";
        string latest = Path.Combine(outputDirectory, "agent-costs.json");
        string breakdownJson = Path.Combine(outputDirectory, "breakdown.json");
        await File.WriteAllTextAsync(latest, MissionCosts.Parse(latestJson).ToJson(), cancellationToken);
        await File.WriteAllTextAsync(breakdownJson, breakdown.ToJson(), cancellationToken);
        var (svg, png) = WritePieChart(breakdown, outputDirectory);
        AnsiConsole.MarkupLine("Wrote:");
        foreach (var file in new[] { latest, breakdownJson, svg, png })
        {
            AnsiConsole.MarkupLine($"  {Markup.Escape(file)}");
        }
    }

    /// <summary>
    /// The roll-up: each top-level agent with the sub-agents it starts (the crew's researcher works for the architect),
    /// from the breakdown's exact per-agent totals. Costs stay on the agent that spent them; the lines add up to the total.
    /// </summary>
    public static Table CreateRollUpTable(CostBreakdown breakdown)
    {
        var all = new MissionCosts(
            breakdown.Agents.Select(a => new KeyValuePair<string, AgentCost>(a.Agent, a.Total)),
            CreditRounding.HalfUp,
            models: null,
            MissionSimulator.Parents.Where(p => breakdown.Agents.Any(a => a.Agent == p.Key)));
        var table = new Table().Border(TableBorder.Rounded).Title("Roll-up: agents with their sub-agents")
            .AddColumn("agent").AddColumn("includes").AddColumn(new TableColumn("credits").RightAligned());
        foreach (var (agent, cost) in all.RollUp().OrderByDescending(a => a.Value.ExactCost))
        {
            string subAgents = string.Join(", ", all.Parents.Where(p => p.Value == agent).Select(p => p.Key));
            table.AddRow(Markup.Escape(ShortName(agent)), Markup.Escape(subAgents), $"{cost.Cost:N0}");
        }

        table.AddRow("[bold]total[/]", "", $"[bold]{all.Total.Cost:N0}[/]");
        return table;
    }

    /// <summary>The longest agent name shown in full; longer ones are cut with an ellipsis (the full name is kept where a reader can hover).</summary>
    public const int NameLength = 32;

    /// <summary>A name cut to <see cref="NameLength"/> characters, never splitting a surrogate pair.</summary>
    public static string ShortName(string name)
    {
        if (name.Length <= NameLength)
        {
            return name;
        }

        int cut = NameLength - 1;
        if (char.IsHighSurrogate(name[cut - 1]))
        {
            cut--;
        }

        return string.Concat(name.AsSpan(0, cut), "…");
    }

    /// <summary>
    /// The per-agent table. Agent names keep their width (no wrapping; long ones shortened) and the number columns have
    /// short headers, so the table fits an 80-column terminal.
    /// </summary>
    public static Table CreateBreakdownTable(CostBreakdown breakdown)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"Agent costs across {breakdown.Missions} missions")
            .AddColumn(new TableColumn("agent").NoWrap()).AddColumn(new TableColumn("missions").RightAligned()).AddColumn(new TableColumn("tokens").RightAligned())
            .AddColumn(new TableColumn("credits").RightAligned()).AddColumn(new TableColumn("avg").RightAligned())
            .AddColumn(new TableColumn("time s").RightAligned()).AddColumn(new TableColumn("share").RightAligned());
        foreach (var line in breakdown.Agents)
        {
            table.AddRow(
                Markup.Escape(ShortName(line.Agent)),
                $"{line.Missions}",
                $"{line.Total.Tokens:N0}",
                $"{line.Total.Cost:N0}",
                $"{line.AverageCost:N1}",
                $"{line.Total.DurationMilliseconds / 1000.0:N1}",
                $"{line.CostShare:P1}");
        }

        table.AddRow("[bold]total[/]", $"{breakdown.Missions}", $"{breakdown.Total.Tokens:N0}", $"{breakdown.Total.Cost:N0}", "", $"{breakdown.Total.DurationMilliseconds / 1000.0:N1}", "100%");
        return table;
    }

    public static (string Svg, string Png) WritePieChart(CostBreakdown breakdown, string outputDirectory)
    {
        var plot = CreatePieChart(breakdown);
        string svg = Path.Combine(outputDirectory, "agent-costs.svg");
        string png = Path.Combine(outputDirectory, "agent-costs.png");
        plot.SaveSvg(svg, ChartWidth, ChartHeight);
        plot.SavePng(png, ChartWidth, ChartHeight);
        return (svg, png);
    }

    /// <summary>
    /// The chart as SVG, each shortened legend name carrying the full name as an SVG <c>title</c> (shown on hover).
    /// </summary>
    public static string CreatePieChartSvg(CostBreakdown breakdown)
    {
        string svg = CreatePieChart(breakdown).GetSvgXml(ChartWidth, ChartHeight);
        foreach (var line in breakdown.Agents.Where(a => a.Agent.Length > NameLength))
        {
            string shown = System.Security.SecurityElement.Escape($"{ShortName(line.Agent)} ({line.Total.Cost:N0} credits)");
            string full = System.Security.SecurityElement.Escape(line.Agent);
            svg = System.Text.RegularExpressions.Regex.Replace(
                svg,
                $@"(<text[^>]*>)(\s*){System.Text.RegularExpressions.Regex.Escape(shown)}(\s*</text>)",
                match => $"{match.Groups[1].Value}<title>{full}</title>{match.Groups[2].Value}{shown}{match.Groups[3].Value}");
        }

        return svg;
    }

    public const int ChartWidth = 900;
    public const int ChartHeight = 560;

    /// <summary>A donut chart of each agent's share of credits, drawn by ScottPlot.</summary>
    public static Plot CreatePieChart(CostBreakdown breakdown)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var slices = breakdown.Agents.Select((line, i) => new PieSlice
        {
            Value = Math.Max(line.Total.Cost, 0),
            FillColor = palette.GetColor(i),
            Label = line.CostShare.ToString("P0", CultureInfo.InvariantCulture),
            LegendText = $"{ShortName(line.Agent)} ({line.Total.Cost:N0} credits)",
        }).ToList();
        var pie = plot.Add.Pie(slices);
        pie.DonutFraction = 0.45;
        pie.SliceLabelDistance = 0.75;
        pie.ExplodeFraction = 0.02;
        plot.Title($"Share of credits per agent ({breakdown.Missions} missions, {breakdown.Total.Cost:N0} credits)");
        plot.ShowLegend(Edge.Right);
        plot.HideAxesAndGrid();
        plot.Axes.Title.IsVisible = true;
        return plot;
    }
}
