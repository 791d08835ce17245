using AgentCosts;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using VersionedEnvelope;

namespace MissionHost;

/// <summary>Everything a command needs, from one generic host that registers both packages as a real service would.</summary>
internal sealed class SampleHost : IDisposable
{
    private readonly IHost _host;

    private SampleHost(IHost host, DataPaths paths)
    {
        _host = host;
        Paths = paths;
        Database = new Database(paths.Database);
    }

    public DataPaths Paths { get; }

    public Database Database { get; }

    public IServiceProvider Services => _host.Services;

    public IEnvelopeEncryptor Encryptor => Services.GetRequiredService<IEnvelopeEncryptor>();

    public KeyRingManager KeyRing => Services.GetRequiredService<KeyRingManager>();

    public BatchReencryptor Reencryptor => Services.GetRequiredService<BatchReencryptor>();

    public IMissionCostTrackerFactory Missions => Services.GetRequiredService<IMissionCostTrackerFactory>();

    public PriceTable Prices => Services.GetRequiredService<PriceTable>();

    public ProfileReencryption Reencryption => new(Database, Reencryptor, KeyRing, Encryptor);

    /// <summary>Registers the packages into any host builder's services (the console host and the web host share this).</summary>
    public static void Register(IServiceCollection services, IConfiguration configuration, DataPaths paths, bool createIfMissing)
    {
        string variable = configuration["MissionHost:RootKeyEnvironmentVariable"] ?? "MISSIONHOST_ROOT_KEY";
        var rootKey = RootKeySource.Load(variable, paths, mayCreate: createIfMissing);
        if (!createIfMissing && !File.Exists(paths.KeyRing))
        {
            throw new SampleException($"There is no key ring at {paths.KeyRing}. Run 'seed' (or the default flow) first to create one.");
        }

        services.AddOptions<EnvelopeEncryptorOptions>().Bind(configuration.GetSection("VersionedEnvelope"));
        services.AddOptions<KeyRingOptions>().Bind(configuration.GetSection("VersionedEnvelope:KeyRing"));
        services
            .AddVersionedEnvelope()
            .ConfigureKeyRing(o => o.CreateKeyRingIfMissing = createIfMissing)
            .PersistKeysToFile(paths.KeyRing, _ => (byte[])rootKey.Clone());
        services.AddOptions<AgentCostsOptions>().Bind(configuration.GetSection("AgentCosts"));
        services.AddAgentCosts();
    }

    public static SampleHost Start(DataPaths paths, bool createIfMissing)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
        });
        Register(builder.Services, builder.Configuration, paths, createIfMissing);
        var host = builder.Build();
        host.Start();
        var sample = new SampleHost(host, paths);
        sample.Database.EnsureSchema();
        return sample;
    }

    public void Dispose()
    {
        _host.StopAsync().GetAwaiter().GetResult();
        _host.Dispose();
    }
}
