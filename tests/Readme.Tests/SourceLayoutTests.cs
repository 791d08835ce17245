namespace Readme.Tests;

/// <summary>Rules for the shipped sources that a reviewer would otherwise check by eye.</summary>
public sealed class SourceLayoutTests
{
    private const int MaxLineLength = 160;

    [Fact]
    public void SourceFiles_NoLineLongerThan160Characters()
    {
        string src = Path.Combine(RepositoryRoot(), "src");
        var longLines = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(path => File.ReadLines(path).Select((line, index) => (path, line, index)))
            .Where(entry => entry.line.Length > MaxLineLength)
            .Select(entry => $"{Path.GetRelativePath(src, entry.path)}:{entry.index + 1} ({entry.line.Length} characters)")
            .ToList();

        Assert.True(longLines.Count == 0, $"Lines over {MaxLineLength} characters:\n{string.Join('\n', longLines)}");
    }

    /// <summary>The folder that holds Libraries.sln, found from the test's output folder upwards.</summary>
    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Libraries.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Libraries.sln was not found above the test's output folder.");
    }
}
