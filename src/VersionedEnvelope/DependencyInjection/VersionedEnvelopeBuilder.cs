using Microsoft.Extensions.DependencyInjection;

namespace VersionedEnvelope;

/// <summary>The builder <c>AddVersionedEnvelope</c> returns.</summary>
internal sealed class VersionedEnvelopeBuilder(IServiceCollection services) : IVersionedEnvelopeBuilder
{
    public IServiceCollection Services { get; } = services;
}
