using System.Security.Cryptography;

namespace VersionedEnvelope.Internal;

/// <summary>Where data keys and nonces come from. A seam so known-answer tests can fix them; production uses the OS CSPRNG.</summary>
internal interface IRandomSource
{
    void Fill(Span<byte> destination);
}

/// <summary>The operating system's cryptographic random number generator.</summary>
internal sealed class SystemRandomSource : IRandomSource
{
    public static readonly SystemRandomSource Instance = new();

    public void Fill(Span<byte> destination) => RandomNumberGenerator.Fill(destination);
}
