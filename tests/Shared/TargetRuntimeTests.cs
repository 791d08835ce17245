namespace Shared.Tests;

/// <summary>Compiled into every test project that targets net8.0 and net10.0. Each target framework's tests run on that framework's own runtime, not rolled forward to a newer one.</summary>
public sealed class TargetRuntimeTests
{
    [Fact]
    public void Tests_RunOnTheRuntimeOfTheirTargetFramework()
    {
#if NET10_0_OR_GREATER
        const int Expected = 10;
#else
        const int Expected = 8;
#endif
        Assert.Equal(Expected, Environment.Version.Major);
    }
}
