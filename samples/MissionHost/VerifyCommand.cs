using AgentCosts;
using Spectre.Console;
using VersionedEnvelope;

namespace MissionHost;

/// <summary><c>verify</c>: every secret decrypts under its row's associated data, and every mission's totals add up.</summary>
internal static class VerifyCommand
{
    public static bool Run(SampleHost host)
    {
        using var connection = host.Database.Open();
        int active = host.Encryptor.ActiveKeyVersion;
        long profiles = 0, decrypted = 0, current = 0, versionColumnMatches = 0;
        using (var command = Database.Command(connection, "SELECT id, apiKey, keyVersion FROM UserProfile ORDER BY id"))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                profiles++;
                long id = reader.GetInt64(0);
                string apiKey = reader.GetString(1);
                try
                {
                    string secret = host.Encryptor.DecryptString(apiKey, SeedCommand.AssociatedData(id));
                    decrypted += secret.StartsWith("sk-live-", StringComparison.Ordinal) ? 1 : 0;
                }
                catch (EnvelopeException ex)
                {
                    AnsiConsole.MarkupLine($"[red]profile {id}: {ex.Reason}[/]");
                }

                int version = EnvelopeFormat.GetKeyVersion(apiKey);
                current += version == active ? 1 : 0;
                versionColumnMatches += version == reader.GetInt32(2) ? 1 : 0;
            }
        }

        long missions = 0, missionsAddingUp = 0;
        using (var command = Database.Command(connection, "SELECT cost, agentCosts FROM Mission"))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                missions++;
                var costs = MissionCosts.Parse(reader.GetString(1));
                long agentSum = costs.Agents.Values.Sum(a => a.Cost);
                missionsAddingUp += agentSum == reader.GetInt64(0) && agentSum == costs.Total.Cost ? 1 : 0;
            }
        }

        var table = new Table().Border(TableBorder.Rounded).Title("Verification").AddColumn("check").AddColumn(new TableColumn("result").RightAligned());
        table.AddRow("secrets that decrypt with their row's associated data", Ratio(decrypted, profiles));
        table.AddRow($"secrets under the active key v{active}", Ratio(current, profiles));
        table.AddRow("keyVersion column matches the ciphertext header", Ratio(versionColumnMatches, profiles));
        table.AddRow("missions whose agent costs add up to their cost", Ratio(missionsAddingUp, missions));
        AnsiConsole.Write(table);

        bool ok = decrypted == profiles && versionColumnMatches == profiles && missionsAddingUp == missions;
        AnsiConsole.MarkupLine(ok ? "[green]Verified: every secret decrypts and every mission adds up.[/]" : "[red]Verification failed.[/]");
        return ok;
    }

    private static string Ratio(long good, long all) => $"{good:N0} / {all:N0}";
}
