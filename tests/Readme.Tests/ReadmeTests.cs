using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Readme.Tests;

/// <summary>
/// Every C# block of every README compiles as written against the packages of this repository: the root README's and
/// each package's (what NuGet shows) and the sample's, each block alone; the root README's also all pasted into one
/// file (so no two of its blocks declare the same variable). No README can drift from the API.
/// </summary>
public sealed partial class ReadmeTests
{
    private static readonly Lazy<IReadOnlyList<MetadataReference>> References = new(LoadReferences);

    public static TheoryData<int> Blocks() => [.. Enumerable.Range(0, ReadBlocks().Count)];

    /// <summary>Each package's and the sample's README, by its path in the repository, with the index of each C# block.</summary>
    public static TheoryData<string, int> OtherReadmeBlocks() =>
        [.. OtherReadmes().SelectMany(path => Enumerable.Range(0, ReadBlocks(path).Count).Select(i => (path, i)))];

    [Theory]
    [MemberData(nameof(Blocks))]
    public void Block_CompilesAlone(int index) => AssertCompiles(ReadBlocks()[index], $"README block {index + 1}");

    [Theory]
    [MemberData(nameof(OtherReadmeBlocks))]
    public void PackageAndSampleReadmeBlock_CompilesAlone(string readme, int index) =>
        AssertCompiles(ReadBlocks(readme)[index], $"{readme} block {index + 1}");

    [Fact]
    public void EveryPackageReadme_StartsWithWhatItDoesAndACompiledExample()
    {
        var packages = OtherReadmes().Where(p => p.StartsWith("src/", StringComparison.Ordinal)).ToList();
        Assert.Equal(7, packages.Count);
        foreach (string readme in packages.Where(p => !p.Contains(".Cli/", StringComparison.Ordinal)))
        {
            string text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "readmes", readme));
            int firstBlock = text.IndexOf("```", StringComparison.Ordinal);
            Assert.True(firstBlock > 0 && text.AsSpan(firstBlock).StartsWith("```csharp"), $"{readme}: its first code block is not C#");
            Assert.True(text[..firstBlock].Split('\n').Length < 20, $"{readme}: the example comes after more than 20 lines");
        }
    }

    [Fact]
    public void RootReadme_IsShort_AndSpeaksOfTheProductOnly()
    {
        string readme = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "README.md"));
        Assert.True(readme.Split('\n').Length <= 251, "README.md is longer than 250 lines");
        Assert.DoesNotContain("Phase", readme, StringComparison.Ordinal);
    }

    [Fact]
    public void AllBlocks_CompileInOneFile()
    {
        var blocks = ReadBlocks();
        Assert.True(blocks.Count >= 5, $"README.md has {blocks.Count} C# blocks");

        // Namespace usings go to the top; using statements (using var x = …) stay where they are.
        var usings = blocks.SelectMany(b => b.Split('\n')).Where(line => UsingDirective().IsMatch(line)).Distinct(StringComparer.Ordinal);
        var bodies = blocks.Select(b => string.Join('\n', b.Split('\n').Where(line => !UsingDirective().IsMatch(line))));
        AssertCompiles(string.Join('\n', usings) + "\n" + string.Join("\n", bodies), "README blocks pasted into one file");
    }

    private static List<string> ReadBlocks(string? readme = null)
    {
        string text = File.ReadAllText(readme is null ? Path.Combine(AppContext.BaseDirectory, "README.md") : Path.Combine(AppContext.BaseDirectory, "readmes", readme));
        return [.. CSharpBlock().Matches(text).Select(m => m.Groups[1].Value.Replace("\r", "", StringComparison.Ordinal))];
    }

    private static IEnumerable<string> OtherReadmes()
    {
        string root = Path.Combine(AppContext.BaseDirectory, "readmes");
        return Directory.EnumerateFiles(root, "README.md", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(root, path).Replace('\\', '/'))
            .Order(StringComparer.Ordinal);
    }

    /// <summary>The implicit usings of a new console project (<c>dotnet new console</c>), which the README's blocks assume.</summary>
    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    private static void AssertCompiles(string source, string what)
    {
        var options = new CSharpParseOptions(LanguageVersion.Latest);
        var compilation = CSharpCompilation.Create(
            "ReadmeBlock",
            [CSharpSyntaxTree.ParseText(ImplicitUsings, options), CSharpSyntaxTree.ParseText(source, options)],
            References.Value,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable)
                .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic> { ["CS1701"] = ReportDiagnostic.Suppress, ["CS1702"] = ReportDiagnostic.Suppress }));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, $"{what} does not compile:\n{string.Join('\n', errors)}\n\n{source}");
    }

    /// <summary>The runtime's assemblies and every assembly beside the tests (the packages and their dependencies).</summary>
    private static IReadOnlyList<MetadataReference> LoadReferences()
    {
        var paths = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string path in ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator))
        {
            paths[Path.GetFileName(path)] = path;
        }

        foreach (string path in Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll"))
        {
            paths.TryAdd(Path.GetFileName(path), path);
        }

        return [.. paths.Values.Where(IsManaged).Select(path => MetadataReference.CreateFromFile(path))];
    }

    private static bool IsManaged(string path)
    {
        try
        {
            System.Reflection.AssemblyName.GetAssemblyName(path);
            return true;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    [GeneratedRegex(@"^using [A-Za-z][A-Za-z0-9_.]*;\s*$")]
    private static partial Regex UsingDirective();
}
