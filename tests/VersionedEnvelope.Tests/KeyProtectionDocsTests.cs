#if NET10_0_OR_GREATER
namespace VersionedEnvelope.Tests;

/// <summary>docs/KEY-PROTECTION.md shows the AWS KMS protector that this project compiles, word for word.</summary>
public sealed class KeyProtectionDocsTests
{
    [Fact]
    public void KeyProtectionDoc_ShowsTheCompiledAwsKmsProtector()
    {
        string doc = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Docs", "KEY-PROTECTION.md"));
        string code = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Docs", "AwsKmsKeyRingProtector.cs"));

        Assert.Contains("```csharp\n" + code + "```", doc, StringComparison.Ordinal);
        Assert.Equal("arn:aws:kms:eu-west-1:111122223333:key/example", new AwsKmsKeyRingProtector(null!, "arn:aws:kms:eu-west-1:111122223333:key/example", "default").KeyId);
    }
}
#endif
