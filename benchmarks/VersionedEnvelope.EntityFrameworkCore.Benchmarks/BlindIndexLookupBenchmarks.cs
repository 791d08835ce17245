using System.Data.Common;
using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using VersionedEnvelope.Storage;

namespace VersionedEnvelope.EntityFrameworkCore.Benchmarks;

/// <summary>
/// Finding a customer by an encrypted email among 1,000,000: through the blind index (<c>FirstOrDefaultBlindAsync</c>,
/// 18 bits as <c>BlindIndexPlanner</c> recommends for a million rows) against decrypting rows until the email matches
/// (measured on the first 100,000 rows only: a full scan of a million would take ten times as long), and the cost of
/// the index on insert (rows with and without one). The million rows are written once per provider and kept between
/// runs (a SQLite file and a PostgreSQL database named after the row count, with their key ring file) in the temp folder.
/// PostgreSQL needs VERSIONEDENVELOPE_POSTGRES (.ci/postgres start DIR prints one). docs/benchmarks.md ran it with
/// <c>--launchCount 1 --warmupCount 3 --iterationCount 10</c>.
/// </summary>
public class BlindIndexLookupBenchmarks
{
    /// <summary>1,000,000; BLIND_INDEX_BENCHMARK_ROWS replaces it, as CI's dry run does.</summary>
    public static readonly int Rows = int.TryParse(Environment.GetEnvironmentVariable("BLIND_INDEX_BENCHMARK_ROWS"), out int rows) ? rows : 1_000_000;

    /// <summary>The rows the scan decrypts: the first 100,000 (or all, when there are fewer).</summary>
    public static readonly int ScanRows = Math.Min(100_000, Rows);
    private const int InsertBatch = 100;
    private static readonly string Folder = Path.Combine(Path.GetTempPath(), "ve-bench-blind-index");
    private static readonly byte[] RootKey = [.. Enumerable.Range(0, 32).Select(i => (byte)(i + 101))];
    private KeyRingManager _keys = null!;
    private EnvelopeEncryptor _encryptor = null!;
    private string[] _lookups = [];
    private int _next;

    [Params("sqlite", "postgres")]
    public string Provider { get; set; } = "sqlite";

    [GlobalSetup]
    public void Setup()
    {
        Directory.CreateDirectory(Folder);
        _keys = new KeyRingManager(new FileKeyRingStore(Path.Combine(Folder, "ring.json"), RootKey), new KeyRingOptions { CreateKeyRingIfMissing = true, RefreshInterval = TimeSpan.Zero, WatchForChanges = false });
        _keys.InitializeAsync().GetAwaiter().GetResult();
        _encryptor = new EnvelopeEncryptor(_keys);
        var random = new Random(7);
        _lookups = [.. Enumerable.Range(0, 1_000).Select(_ => Email(random.Next(1, Rows + 1)))];
        using var context = CreateContext();
        if (Provider == "postgres")
        {
            context.Database.EnsureCreated();
        }
        else
        {
            context.Database.EnsureCreated();
            context.Database.ExecuteSqlRaw("PRAGMA journal_mode = WAL;");
        }

        if (context.Customers.Count() != Rows)
        {
            context.Database.ExecuteSqlRaw("DELETE FROM \"Customers\"");
            Seed(context);
        }
    }

    [Benchmark(Baseline = true)]
    public async Task<BenchCustomer?> LookupByBlindIndex()
    {
        string email = _lookups[_next++ % _lookups.Length];
        await using var context = CreateContext();
        return await context.Customers.AsNoTracking().FirstOrDefaultBlindAsync(c => c.Email, email)
            ?? throw new InvalidOperationException($"{email} not found");
    }

    [Benchmark]
    public async Task<BenchCustomer?> ScanAndDecryptFirst100k()
    {
        string email = Email(ScanRows);
        await using var context = CreateContext();
        await foreach (var customer in context.Customers.AsNoTracking().Where(c => c.Id <= ScanRows).OrderBy(c => c.Id).AsAsyncEnumerable())
        {
            if (customer.Email == email)
            {
                return customer;
            }
        }

        throw new InvalidOperationException($"{email} not found");
    }

    [Benchmark(OperationsPerInvoke = InsertBatch)]
    public async Task<int> InsertEncryptedWithBlindIndex()
    {
        await using var context = CreateContext();
        context.Indexed.AddRange(Enumerable.Range(0, InsertBatch).Select(i => new IndexedInsert { Email = Email(_next++) }));
        return await context.SaveChangesAsync();
    }

    [Benchmark(OperationsPerInvoke = InsertBatch)]
    public async Task<int> InsertEncryptedOnly()
    {
        await using var context = CreateContext();
        context.Plain.AddRange(Enumerable.Range(0, InsertBatch).Select(i => new PlainInsert { Email = Email(_next++) }));
        return await context.SaveChangesAsync();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _keys.Dispose();
        NpgsqlConnection.ClearAllPools();
        SqliteConnection.ClearAllPools();
    }

    private static string Email(int n) => $"user{n}@example.com";

    private void Seed(LookupContext context)
    {
        var indexer = new BlindIndexer(_keys);
        var connection = context.Database.GetDbConnection();
        connection.Open();
        if (connection is NpgsqlConnection postgres)
        {
            using var copy = postgres.BeginBinaryImport("COPY \"Customers\" (\"Id\", \"Email\", \"EmailIndex\") FROM STDIN (FORMAT BINARY)");
            for (int n = 1; n <= Rows; n++)
            {
                copy.StartRow();
                copy.Write((long)n, NpgsqlTypes.NpgsqlDbType.Bigint);
                copy.Write(Encrypted(n), NpgsqlTypes.NpgsqlDbType.Text);
                copy.Write(indexer.Compute(LookupContext.IndexName, LookupContext.Bits, Email(n)), NpgsqlTypes.NpgsqlDbType.Text);
            }

            copy.Complete();
            return;
        }

        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO \"Customers\" (\"Id\", \"Email\", \"EmailIndex\") VALUES ($id, $email, $index)";
        var (id, email, index) = (Add(insert, "$id"), Add(insert, "$email"), Add(insert, "$index"));
        for (int n = 1; n <= Rows; n++)
        {
            id.Value = (long)n;
            email.Value = Encrypted(n);
            index.Value = indexer.Compute(LookupContext.IndexName, LookupContext.Bits, Email(n));
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    private string Encrypted(int n) => _encryptor.EncryptString(Email(n), LookupContext.IndexName);

    private static DbParameter Add(DbCommand command, string name)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        command.Parameters.Add(parameter);
        return parameter;
    }

    private LookupContext CreateContext()
    {
        var options = new DbContextOptionsBuilder<LookupContext>();
        if (Provider == "postgres")
        {
            string server = Environment.GetEnvironmentVariable("VERSIONEDENVELOPE_POSTGRES")
                ?? throw new InvalidOperationException("Set VERSIONEDENVELOPE_POSTGRES to a PostgreSQL connection string (.ci/postgres start DIR prints one).");
            options.UseNpgsql(new NpgsqlConnectionStringBuilder(server) { Database = $"ve_bench_blind_{Rows}" }.ToString());
        }
        else
        {
            options.UseSqlite($"Data Source={Path.Combine(Folder, $"customers-{Rows}.db")}");
        }

        return new LookupContext(options.UseVersionedEnvelope(_encryptor, _keys).Options);
    }
}

public class BenchCustomer
{
    public long Id { get; set; }

    public string Email { get; set; } = "";
}

public class IndexedInsert
{
    public long Id { get; set; }

    public string Email { get; set; } = "";
}

public class PlainInsert
{
    public long Id { get; set; }

    public string Email { get; set; } = "";
}

public class LookupContext(DbContextOptions<LookupContext> options) : DbContext(options)
{
    public const string IndexName = "BenchCustomer.Email";
    public const int Bits = 18;

    public DbSet<BenchCustomer> Customers => Set<BenchCustomer>();

    public DbSet<IndexedInsert> Indexed => Set<IndexedInsert>();

    public DbSet<PlainInsert> Plain => Set<PlainInsert>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<BenchCustomer>(customer =>
        {
            customer.ToTable("Customers");
            customer.Property(c => c.Id).ValueGeneratedNever();
            customer.Property(c => c.Email).IsEncrypted(IndexName).HasBlindIndex("EmailIndex", index =>
            {
                index.Name = IndexName;
                index.Bits = Bits;
                index.Normalize = email => email.Trim().ToLowerInvariant();
            });
        });
        modelBuilder.Entity<IndexedInsert>().Property(c => c.Email).IsEncrypted().HasBlindIndex("EmailIndex", index => index.Bits = Bits);
        modelBuilder.Entity<PlainInsert>().Property(c => c.Email).IsEncrypted();
    }
}
