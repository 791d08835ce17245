using System.Text;

namespace MissionHost.Missions;

/// <summary>
/// The pages the agents analyse: a few KiB of a landing page's text and markup each, made from a seed so a run can be
/// repeated. Real requests of this kind are what a budget's estimate has to get right.
/// </summary>
internal static class SamplePages
{
    private static readonly string[] Words =
    [
        "running", "shoes", "trail", "waterproof", "lightweight", "cushioning", "free", "shipping", "returns", "size", "guide",
        "reviews", "women's", "men's", "sale", "new", "arrivals", "breathable", "mesh", "grip", "outsole", "marathon", "training",
    ];

    /// <summary>One page: a title, headings, paragraphs and product links, 2–4 KiB.</summary>
    public static string Page(int seed, string agent, int step)
    {
        var random = new Random(HashCode.Combine(seed, step, agent.Length, agent[0]));
        var page = new StringBuilder(4096);
        page.Append("<html><head><title>").Append(Sentence(random, 6)).Append("</title>")
            .Append("<meta name=\"description\" content=\"").Append(Sentence(random, 18)).Append("\"></head><body>");
        int target = random.Next(2048, 4096);
        for (int section = 0; page.Length < target; section++)
        {
            page.Append("<h2>").Append(Sentence(random, 5)).Append("</h2><p>").Append(Sentence(random, random.Next(30, 60))).Append("</p>");
            page.Append("<a href=\"/p/").Append(random.Next(1000, 9999)).Append("\">").Append(Sentence(random, 3)).Append("</a>");
        }

        return page.Append("</body></html>").ToString();
    }

    private static string Sentence(Random random, int words) =>
        string.Join(' ', Enumerable.Range(0, words).Select(_ => Words[random.Next(Words.Length)]));
}
