using AgentCosts;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MissionHost.Data;
using MissionHost.Keys;
using MissionHost.Missions;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using OpenTelemetry;
using VersionedEnvelope.EntityFrameworkCore.Reencryption;
using VersionedEnvelope.Storage;
using VersionedEnvelope;

namespace MissionHost.Hosting;

/// <summary>Everything a command needs, from one generic host that registers both packages as a real service would.</summary>
internal sealed class SampleHost : IAsyncDisposable
{
    private readonly IHost _host;

    private SampleHost(IHost host, DatabaseTarget target)
    {
        _host = host;
        Target = target;
    }

    public DatabaseTarget Target { get; }

    public DataPaths Paths => Target.Paths;

    public IServiceProvider Services => _host.Services;

    public IEnvelopeEncryptor Encryptor => Services.GetRequiredService<IEnvelopeEncryptor>();

    public KeyRingManager KeyRing => Services.GetRequiredService<KeyRingManager>();

    public IMissionCostTrackerFactory Missions => Services.GetRequiredService<IMissionCostTrackerFactory>();

    public PriceTable Prices => Services.GetRequiredService<PriceTable>();

    public ProfileReencryption Reencryption => Services.GetRequiredService<ProfileReencryption>();

    /// <summary>The clear emails this start encrypted and indexed (the email migration's data half).</summary>
    public long EmailsEncryptedAtStart { get; private set; }

    /// <summary>A context whose encrypted properties use this host's key ring.</summary>
    public MissionDbContext CreateContext() => Services.GetRequiredService<IDbContextFactory<MissionDbContext>>().CreateDbContext();

    /// <summary>Registers the packages and the database into any host builder's services (the console host and the web host share this).</summary>
    public static void Register(IServiceCollection services, IConfiguration configuration, DatabaseTarget target, bool createIfMissing)
    {
        var protection = KeyProtectionSource.Read(configuration);
        if (!createIfMissing && !target.IsPostgres && !File.Exists(target.Paths.KeyRing))
        {
            throw new SampleException($"There is no key ring at {target.Paths.KeyRing}. Run 'seed' or 'migrate' (or the default flow) first to create one.");
        }

        services.AddSingleton(target);
        services.AddSingleton<IDbContextFactory<MissionDbContext>>(sp => new MissionDbContextFactory(target, sp));
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<MissionDbContext>>().CreateDbContext());
        services.AddSingleton(new ReencryptionSharing(
            configuration.GetValue("Reencryption:HostId", $"{Environment.MachineName}:{Environment.ProcessId}")!,
            configuration.GetValue("Reencryption:LeaseDuration", ClaimedKeyRangeOptions.DefaultLeaseDuration),
            configuration.GetValue("Reencryption:Ranges", ClaimedKeyRangeOptions.DefaultRangeCount)));
        services.AddSingleton<ProfileReencryption>();

        services.AddOptions<EnvelopeEncryptorOptions>().Bind(configuration.GetSection("VersionedEnvelope"));
        services.AddOptions<KeyRingOptions>().Bind(configuration.GetSection("VersionedEnvelope:KeyRing"));
        var envelope = services
            .AddVersionedEnvelope()
            .ConfigureKeyRing(o => o.CreateKeyRingIfMissing = createIfMissing);

        // Protection apart from persistence: a root key (development key files by default) or an HSM through PKCS#11.
        protection.Apply(envelope, configuration, target.Paths, createIfMissing);

        // On PostgreSQL every host shares the ring in the database; the SQLite sample keeps it in a file beside the database.
        if (target.IsPostgres)
        {
            envelope.PersistKeysToDbContext<MissionDbContext>();
        }
        else
        {
            envelope.PersistKeysToFile(target.Paths.KeyRing);
        }

        // Automatic retirement counts the profiles' encrypted columns: a version none of them uses is retired.
        envelope.AddKeyUsageSource<MissionDbContext>();

        services.AddOptions<AgentCostsOptions>().Bind(configuration.GetSection("AgentCosts"));
        // Prices as the bills have them (a dated change, a long-context tier, cache writes), before AddAgentCosts's default table.
        services.AddSingleton(sp => MissionPrices.Create(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<AgentCostsOptions>>().Value));
        services.AddAgentCosts();

        // OpenTelemetry: the pipeline's inference spans (tagged with agent and cost), Microsoft.Extensions.AI's and the
        // Agent Framework's sources, and the AgentCosts meter; OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set, else a summary.
        var traces = new TraceSummary();
        services.AddSingleton(traces);
        var telemetry = services.AddOpenTelemetry()
            .WithTracing(tracing => tracing
                .AddSource(MissionSimulator.TraceSource, "Experimental.Microsoft.Extensions.AI", "Experimental.Microsoft.Agents.AI", "Microsoft.Agents.AI")
                .AddProcessor(traces))
            .WithMetrics(metrics => metrics.AddMeter(configuration["AgentCosts:MeterName"] ?? AgentCosts.Metrics.AgentCostsMetrics.DefaultMeterName));
        if (!string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.UseOtlpExporter();
        }
    }

    /// <summary>The configuration key that names a PostgreSQL connection string instead of the SQLite file.</summary>
    public const string PostgresKey = "MissionHost:Postgres";

    /// <summary>
    /// Starts a host on the database: with <paramref name="createIfMissing"/> it applies every pending migration and
    /// creates the key ring (importing the pre-Phase-9 key as version 1 when there is one); otherwise the database must
    /// be at the latest schema already.
    /// </summary>
    public static async Task<SampleHost> StartAsync(DatabaseTarget target, bool createIfMissing, CancellationToken cancellationToken)
    {
        if (!createIfMissing)
        {
            await MissionSchema.EnsureCurrentAsync(target, cancellationToken);
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
        });
        Register(builder.Services, builder.Configuration, target, createIfMissing);
        var host = builder.Build();
        try
        {
            if (createIfMissing)
            {
                await using (var context = target.CreateContext())
                {
                    await MissionSchema.MigrateAsync(context, null, cancellationToken);
                }

                await ImportLegacyKeyAsync(host.Services, target.Paths, cancellationToken);
            }

            await host.StartAsync(cancellationToken);
            var sample = new SampleHost(host, target);
            if (createIfMissing)
            {
                // The data half of the email migration: clear emails from before it are encrypted and indexed.
                sample.EmailsEncryptedAtStart = await ProfileEmailMigration.RunAsync(sample, cancellationToken);
            }

            return sample;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A database written before Phase 9 holds values under a raw key with no version: when there is no key ring yet,
    /// the new ring starts with that key as version 1 (active), so every old value decrypts and re-encryption moves it on.
    /// </summary>
    private static async Task ImportLegacyKeyAsync(IServiceProvider services, DataPaths paths, CancellationToken cancellationToken)
    {
        var store = services.GetRequiredService<IKeyRingStore>();
        if (await store.LoadAsync(cancellationToken) is not null || LegacyKeySource.Load(paths, mayCreate: false) is not { } legacyKey)
        {
            return;
        }

        try
        {
            var ring = VersionedEnvelope.KeyRing.FromKeys(new Dictionary<int, byte[]> { [1] = legacyKey }, activeVersion: 1, services.GetService<TimeProvider>());
            await store.SaveAsync(ring, expectedRevision: 0, cancellationToken);
        }
        catch (KeyRingConcurrencyException)
        {
            // Another host imported it first: the same key, nothing to do.
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(legacyKey);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
