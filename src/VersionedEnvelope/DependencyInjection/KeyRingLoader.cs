using Microsoft.Extensions.Hosting;

namespace VersionedEnvelope;

/// <summary>
/// Loads the key ring when the host starts (as Data Protection's hosted service does), so the first encryption on a
/// request thread never waits for storage, and a ring that cannot be opened stops the host at start instead of failing
/// its first request.
/// </summary>
internal sealed class KeyRingLoader(KeyRingManager manager) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => manager.InitializeAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
