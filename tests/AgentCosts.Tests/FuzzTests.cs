using System.Globalization;
using System.Text;
using System.Text.Json;

namespace AgentCosts.Tests;

/// <summary>
/// A bounded, seeded mutation run against the agentCosts reader: only JsonException comes out, and whatever is accepted
/// writes back and reads the same. 100,000 mutations by default; set <c>FUZZ_ITERATIONS</c> for a longer run.
/// </summary>
public sealed class FuzzTests
{
    private const string JsonCharacters = "{}[]\":,-0123456789 \\u";
    private static readonly int Iterations = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_ITERATIONS"), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : 100_000;

    [Trait("Category", "Slow")]
    [Fact]
    public void Parse_MutatedJson_FailsAsJsonExceptionsOrRoundTrips()
    {
        byte[] original = Encoding.UTF8.GetBytes(
            """{"genesis-architect":{"tokens":12450,"cost":125,"duration":2300},"seo-analyst":{"tokens":8200,"cost":82,"duration":1800},"éditeur":{"tokens":0,"cost":0,"duration":0}}""");
        var random = new Random(4);
        for (int i = 0; i < Iterations; i++)
        {
            byte[] mutated = Mutate(original, random);
            MissionCosts costs;
            try
            {
                costs = i % 2 == 0 ? MissionCosts.Parse(mutated) : MissionCosts.Parse(Encoding.UTF8.GetString(mutated));
            }
            catch (JsonException)
            {
                continue;
            }

            Assert.Equal(costs, MissionCosts.Parse(costs.ToJson()));
            Assert.Equal(costs.Total.Cost, costs.Agents.Values.Sum(a => a.Cost));
        }
    }

    private static byte[] Mutate(byte[] original, Random random)
    {
        var bytes = new List<byte>(original);
        int edits = 1 + random.Next(3);
        for (int e = 0; e < edits; e++)
        {
            int at = random.Next(bytes.Count + 1);
            byte value = random.Next(4) == 0 ? (byte)JsonCharacters[random.Next(JsonCharacters.Length)] : (byte)random.Next(256);
            switch (random.Next(4))
            {
                case 0 when at < bytes.Count:
                    bytes[at] = value;
                    break;
                case 1 when at < bytes.Count:
                    bytes.RemoveAt(at);
                    break;
                case 2 when at < bytes.Count:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                default:
                    bytes.Insert(at, value);
                    break;
            }
        }

        return [.. bytes];
    }
}
