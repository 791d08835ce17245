using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using AgentCosts;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MissionHost.Data;
using MissionHost.Hosting;
using MissionHost.Keys;
using Spectre.Console;
using VersionedEnvelope;

namespace MissionHost.Commands;

/// <summary>
/// <c>verify</c>: every API key decrypts to the value the profile was given (nothing lost, the migration and the
/// re-encryptions included), none is left in the pre-Phase-9 form, each row's <c>keyVersion</c> equals its header and
/// carries the rotation history, every profile can be found by its email (its blind index is one a lookup asks for;
/// a sample is looked up through EF Core), and every mission's agent costs add up to its cost (missions from before Phase 9
/// keep their cost and have no <c>agentCosts</c>).
/// </summary>
internal static class VerifyCommand
{
    /// <summary><c>verify</c>: its options, and the work it hands to Program.</summary>
    public static Command Create(ChooseCommand choose)
    {
        var command = new Command("verify", "Check that every secret decrypts and every mission's agent costs add up to its cost.");
        var database = CommandLine.Database(command);
        command.SetAction(r => choose(ct => database.Bind(r).WithHostAsync(createIfMissing: false, ct, async host => await RunAsync(host, ct) ? 0 : 1)));
        return command;
    }

    private sealed record StoredProfile(long Id, string Email, string? EmailIndex, string ApiKey, int KeyVersion, string? KeyRotationHistory);

    /// <summary>How many profiles are also looked up by email through EF Core (every profile's index is checked in memory).</summary>
    private const int LookupSample = 100;

    private sealed record StoredMission(long Id, string Name, long Cost, string? AgentCosts);

    public static async Task<bool> RunAsync(SampleHost host, CancellationToken cancellationToken)
    {
        await using var context = host.CreateContext();
        int active = host.Encryptor.ActiveKeyVersion;
        long profiles = 0, intact = 0, legacy = 0, current = 0, versionColumnMatches = 0, withHistory = 0, findable = 0;
        var indexer = new BlindIndexer(host.KeyRing);
        var sample = new List<(long Id, string Email)>();
        // The stored text as it is (no converter): SQL the model does not map.
        var rows = context.Database.SqlQuery<StoredProfile>(
            $"""SELECT "id" AS "Id", "email" AS "Email", "emailIndex" AS "EmailIndex", "apiKey" AS "ApiKey", "keyVersion" AS "KeyVersion", CAST("keyRotationHistory" AS TEXT) AS "KeyRotationHistory" FROM "UserProfile" ORDER BY "id" """);
        await foreach (var row in rows.AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            profiles++;
            if (!row.ApiKey.StartsWith("ve1:", StringComparison.Ordinal))
            {
                legacy++;
                continue;
            }

            try
            {
                string email = host.Encryptor.DecryptString(row.Email, ProfileEmail.AssociatedData);
                intact += host.Encryptor.DecryptString(row.ApiKey, LegacySeedCommand.ApiKeyAssociatedData) == SampleSecrets.ApiKey(email) ? 1 : 0;

                // Found by its email: the stored index is one a lookup of this email asks for.
                findable += indexer.ComputeForLookup(ProfileEmail.IndexName, ProfileEmail.IndexBits, ProfileEmail.Normalize(email)).Contains(row.EmailIndex) ? 1 : 0;
                if (profiles % 97 == 1 && sample.Count < LookupSample)
                {
                    sample.Add((row.Id, email));
                }
            }
            catch (EnvelopeException ex)
            {
                AnsiConsole.MarkupLine($"[red]profile {row.Id}: {ex.Reason}[/]");
            }

            int version = EnvelopeFormat.GetKeyVersion(row.ApiKey);
            current += version == active ? 1 : 0;
            versionColumnMatches += version == row.KeyVersion ? 1 : 0;
            withHistory += HasHistory(row.KeyRotationHistory) ? 1 : 0;
        }

        long lookedUp = 0;
        foreach (var (id, email) in sample)
        {
            var found = await context.UserProfiles.AsNoTracking().FirstOrDefaultBlindAsync(p => p.Email, email.ToUpperInvariant(), cancellationToken);
            lookedUp += found?.Id == id ? 1 : 0;
        }

        long missions = 0, addingUp = 0, preExisting = 0, preExistingIntact = 0, withinBudget = 0;
        long? budgetLimit = host.Services.GetRequiredService<IOptions<AgentCostsOptions>>().Value.DefaultBudgetCredits;
        var missionRows = context.Database.SqlQuery<StoredMission>(
            $"""SELECT "id" AS "Id", "name" AS "Name", "cost" AS "Cost", CAST("agentCosts" AS TEXT) AS "AgentCosts" FROM "Mission" ORDER BY "id" """);
        await foreach (var mission in missionRows.AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            missions++;
            if (mission.AgentCosts is null)
            {
                preExisting++;
                preExistingIntact += mission.Cost == SampleSecrets.LegacyMissionCost(mission.Name) ? 1 : 0;
                continue;
            }

            try
            {
                var costs = MissionCosts.Parse(mission.AgentCosts);
                long agentSum = costs.Agents.Values.Sum(a => a.Cost);
                addingUp += agentSum == mission.Cost && agentSum == costs.Total.Cost ? 1 : 0;

                // A budget that holds: the estimates reserved before each call keep a mission within 2% of its limit.
                withinBudget += budgetLimit is not { } limit || mission.Cost <= limit * 1.02m ? 1 : 0;
            }
            catch (JsonException ex)
            {
                AnsiConsole.MarkupLine($"[red]mission {mission.Id}: {Markup.Escape(ex.Message)}[/]");
            }
        }

        var table = new Table().Border(TableBorder.Rounded).Title("Verification").AddColumn("check").AddColumn(new TableColumn("result").RightAligned());
        table.AddRow("API keys that decrypt to the profile's own value", Ratio(intact, profiles));
        table.AddRow("API keys left in the pre-Phase-9 form (headerless)", $"{legacy:N0}");
        table.AddRow($"API keys under the active key v{active}", Ratio(current, profiles));
        table.AddRow("keyVersion column matches the ciphertext header", Ratio(versionColumnMatches, profiles));
        table.AddRow("profiles carrying the keyRotationHistory", Ratio(withHistory, profiles));
        table.AddRow("profiles found by their email's blind index", Ratio(findable, profiles));
        table.AddRow("of them, looked up by email through EF Core", Ratio(lookedUp, sample.Count));
        table.AddRow("missions whose agent costs add up to their cost", Ratio(addingUp, missions - preExisting));
        table.AddRow("pre-Phase-9 missions (no agentCosts) with their cost intact", Ratio(preExistingIntact, preExisting));
        table.AddRow($"missions that spent at most 2% past their budget ({budgetLimit?.ToString("N0", CultureInfo.InvariantCulture) ?? "none"})", Ratio(withinBudget, missions - preExisting));
        AnsiConsole.Write(table);

        bool ok = intact == profiles && legacy == 0 && versionColumnMatches == profiles && withHistory == profiles
            && findable == profiles && lookedUp == sample.Count
            && addingUp == missions - preExisting && preExistingIntact == preExisting && withinBudget == missions - preExisting;
        AnsiConsole.MarkupLine(ok
            ? "[green]Verified: every secret decrypts to its own value under a versioned key, and every mission adds up.[/]"
            : "[red]Verification failed.[/]");
        return ok;
    }

    private static bool HasHistory(string? json)
    {
        if (json is null)
        {
            return false;
        }

        try
        {
            _ = RotationHistoryJson.Parse(json);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Ratio(long good, long all) => $"{good:N0} / {all:N0}";
}
