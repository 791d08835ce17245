using Microsoft.Extensions.DependencyInjection;

namespace VersionedEnvelope;

/// <summary>Returned by <c>AddVersionedEnvelope</c>.</summary>
/// <remarks>
/// Say where the key ring lives (<c>PersistKeysToFile</c>, <c>UseInMemoryKeyRing</c>, <c>UseStaticKeys</c>, or a
/// companion package's store) and how it refreshes (<c>ConfigureKeyRing</c>).
/// </remarks>
public interface IVersionedEnvelopeBuilder
{
    /// <summary>The service collection the registrations go to.</summary>
    IServiceCollection Services { get; }
}
