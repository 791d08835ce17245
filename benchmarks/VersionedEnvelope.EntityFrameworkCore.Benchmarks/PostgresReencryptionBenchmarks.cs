using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using VersionedEnvelope.EntityFrameworkCore.Reencryption;
using VersionedEnvelope.Storage;

namespace VersionedEnvelope.EntityFrameworkCore.Benchmarks;

/// <summary>
/// Re-encrypting a table of 1 KiB secrets on PostgreSQL after a rotation: <c>ReencryptAsync</c> (keyset pages of stale
/// rows, rewrap, conditional batched updates) against the naive path (load entities in pages, decrypt and encrypt
/// through the value converter, one <c>SaveChanges</c> per page). Each operation moves every row one version on: the
/// iteration setup rotates the ring. Needs VERSIONEDENVELOPE_POSTGRES (.ci/postgres start DIR prints one).
/// </summary>
[Config(typeof(JitConfig))]
public class PostgresReencryptionBenchmarks
{
    public const int Rows = 10_000;
    private string _database = "";
    private string _connectionString = "";
    private KeyRingManager _keys = null!;
    private EnvelopeEncryptor _encryptor = null!;

    [Params(500, 5_000)]
    public int BatchSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        string server = Environment.GetEnvironmentVariable("VERSIONEDENVELOPE_POSTGRES")
            ?? throw new InvalidOperationException("Set VERSIONEDENVELOPE_POSTGRES to a PostgreSQL connection string (.ci/postgres start DIR prints one).");
        _database = $"ve_bench_{Guid.NewGuid():N}";
        using (var admin = new NpgsqlConnection(server))
        {
            admin.Open();
            using var create = new NpgsqlCommand($"CREATE DATABASE {_database}", admin);
            create.ExecuteNonQuery();
        }

        _connectionString = new NpgsqlConnectionStringBuilder(server) { Database = _database }.ToString();
        _keys = new KeyRingManager(new InMemoryKeyRingStore(KeyRing.CreateNew()));
        _keys.InitializeAsync().GetAwaiter().GetResult();
        _encryptor = new EnvelopeEncryptor(_keys);
        using var context = CreateContext();
        context.Database.EnsureCreated();
        context.ChangeTracker.AutoDetectChangesEnabled = false;
        for (int start = 0; start < Rows; start += 2_000)
        {
            context.Secrets.AddRange(Enumerable.Range(start, 2_000).Select(i => new StoredSecret { Owner = $"user{i}", Value = Convert.ToBase64String(RandomNumberGenerator.GetBytes(768)) }));
            context.SaveChanges();
            context.ChangeTracker.Clear();
        }
    }

    [IterationSetup]
    public void Rotate() => _keys.RotateAsync("benchmark").GetAwaiter().GetResult();

    [Benchmark(Baseline = true, OperationsPerInvoke = Rows)]
    public async Task<int> NaiveLoadDecryptEncryptSave()
    {
        int moved = 0;
        int after = 0;
        await using var context = CreateContext();
        while (true)
        {
            var page = await context.Secrets.Where(s => s.Id > after).OrderBy(s => s.Id).Take(BatchSize).ToListAsync();
            if (page.Count == 0)
            {
                return moved;
            }

            foreach (var secret in page)
            {
                // The value is unchanged, so EF Core would write nothing: mark it, as a hand-written job must.
                context.Entry(secret).Property(s => s.Value).IsModified = true;
            }

            moved += await context.SaveChangesAsync();
            after = page[^1].Id;
            context.ChangeTracker.Clear();
        }
    }

    [Benchmark(OperationsPerInvoke = Rows)]
    public async Task<long> ReencryptAsync()
    {
        await using var context = CreateContext();
        var summary = await context.ReencryptAsync<StoredSecret>(new EntityReencryptionOptions { BatchSize = BatchSize });
        return summary.Rewrapped == Rows ? summary.Rewrapped : throw new InvalidOperationException($"moved {summary.Rewrapped} of {Rows}");
    }

    /// <summary>The same with a context factory and two batches written at once while the next page is read.</summary>
    [Benchmark(OperationsPerInvoke = Rows)]
    public async Task<long> ReencryptAsyncTwoWriters()
    {
        var factory = new Factory(this);
        var summary = await factory.ReencryptAsync<SecretsContext, StoredSecret>(new EntityReencryptionOptions { BatchSize = BatchSize, MaxDegreeOfParallelism = 2 }, CancellationToken.None);
        return summary.Rewrapped == Rows ? summary.Rewrapped : throw new InvalidOperationException($"moved {summary.Rewrapped} of {Rows}");
    }

    /// <summary>
    /// Each run moves 10,000 rows once, so a job has few iterations. With tiered compilation (the runtime's default)
    /// the JIT is still replacing the run's code with optimised code well after the one warm-up iteration, on a machine
    /// whose cores the database shares, so those rows measure the JIT catching up as much as the code. The second job
    /// runs both paths fully optimised from the first call (<c>DOTNET_TieredCompilation=0</c>): the steady state a
    /// long re-encryption reaches.
    /// </summary>
    private sealed class JitConfig : ManualConfig
    {
        public JitConfig()
        {
            var job = Job.Default.WithStrategy(RunStrategy.Monitoring).WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(5);
            AddJob(job.WithId("Tiered"));
            AddJob(job.WithEnvironmentVariables(new EnvironmentVariable("DOTNET_TieredCompilation", "0")).WithId("Optimized"));
        }
    }

    private sealed class Factory(PostgresReencryptionBenchmarks owner) : IDbContextFactory<SecretsContext>
    {
        public SecretsContext CreateDbContext() => owner.CreateContext();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        NpgsqlConnection.ClearAllPools();
        using var admin = new NpgsqlConnection(Environment.GetEnvironmentVariable("VERSIONEDENVELOPE_POSTGRES"));
        admin.Open();
        using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)", admin);
        drop.ExecuteNonQuery();
    }

    private SecretsContext CreateContext() =>
        new(new DbContextOptionsBuilder<SecretsContext>().UseNpgsql(_connectionString).UseVersionedEnvelope(_encryptor, _keys).Options);
}

public class StoredSecret
{
    public int Id { get; set; }

    public string Owner { get; set; } = "";

    public string Value { get; set; } = "";

    public int KeyVersion { get; set; }
}

public class SecretsContext(DbContextOptions<SecretsContext> options) : DbContext(options)
{
    public DbSet<StoredSecret> Secrets => Set<StoredSecret>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.Entity<StoredSecret>(secret =>
    {
        secret.Property(s => s.Value).IsEncrypted(keyVersion: (StoredSecret s) => s.KeyVersion);
        secret.HasIndex(s => s.KeyVersion);
    });
}
