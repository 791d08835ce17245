namespace Shared.Tests;

/// <summary>
/// A real part a test needs (a PostgreSQL server, a browser, an HSM token): named by environment variables that .ci/run
/// sets after starting the part, or started by the test assembly itself where the part's Debian package is installed.
/// Only what is truly missing is skipped on a developer's machine, and fails under CI (CI=true), so a green CI run
/// always means it ran.
/// </summary>
internal static class ExternalPart
{
    /// <summary>The variables' values, or a skip (a failure under CI) that says what is missing and how to get it.</summary>
    /// <param name="what">The part, for the message (for example "a PKCS#11 token").</param>
    /// <param name="howToGetIt">Where the part comes from (for example ".ci/run starts SoftHSM2").</param>
    /// <param name="variables">The environment variables that must all be set.</param>
    public static string[] Require(string what, string howToGetIt, params string[] variables)
    {
        var values = variables.Select(Environment.GetEnvironmentVariable).ToArray();
        var missing = variables.Where((_, i) => string.IsNullOrEmpty(values[i])).ToList();
        if (missing.Count > 0)
        {
            Missing($"{string.Join(", ", missing)} {(missing.Count == 1 ? "is" : "are")} not set: this test needs {what} ({howToGetIt}).");
        }

        return values!;
    }

    /// <summary>As <see cref="Missing"/>, for a throw expression.</summary>
    /// <param name="why">What is missing and how to get it.</param>
    public static Exception MissingException(string why)
    {
        Missing(why);
        return new InvalidOperationException(why);
    }

    /// <summary>Ends the test because a part it needs is missing: a skip on a developer's machine, a failure under CI.</summary>
    /// <param name="why">What is missing and how to get it.</param>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public static void Missing(string why)
    {
        if (Environment.GetEnvironmentVariable("CI") == "true")
        {
            Assert.Fail(why);
        }

        Assert.Skip(why);
    }
}
