using Microsoft.EntityFrameworkCore;
using VersionedEnvelope.EntityFrameworkCore.Reencryption;

namespace VersionedEnvelope.EntityFrameworkCore.Tests;

/// <summary>Blind indexes on encrypted columns, the same on every provider.</summary>
public abstract class BlindIndexTests(string provider)
{
    [Fact]
    public async Task Save_WritesTheIndex_FoundByWhereBlindIndex_AndByNormalisedValue()
    {
        var rings = await Rings.CreateAsync();
        await using var db = await TestDatabase.CreateWithSchemaAsync(provider, rings.Encryptor);
        await using (var context = db.CreateContext(rings.Encryptor, rings.Provider))
        {
            context.Customers.AddRange(new Customer { Email = "alice@example.com" }, new Customer { Email = "bob@example.com" }, new Customer { Email = null });
            await context.SaveChangesAsync();
        }

        await using (var context = db.CreateContext(rings.Encryptor, rings.Provider))
        {
            var stored = await Sql.RowsAsync(context, "SELECT \"Email\", \"EmailIndex\" FROM \"Customers\" ORDER BY \"Id\"");
            Assert.StartsWith("ve1:v1:", (string)stored[0][0]!, StringComparison.Ordinal);
            Assert.StartsWith("bi1:v1:", (string)stored[0][1]!, StringComparison.Ordinal);
            Assert.Null(stored[2][1]);

            var found = await context.Customers.WhereBlindIndex(c => c.Email!, "alice@example.com").ToListAsync();
            Assert.Contains(found, c => c.Email == "alice@example.com");
            Assert.Equal("alice@example.com", (await context.Customers.FirstOrDefaultBlindAsync(c => c.Email!, "  ALICE@example.COM "))?.Email);
            Assert.Null(await context.Customers.FirstOrDefaultBlindAsync(c => c.Email!, "carol@example.com"));
        }
    }

    [Fact]
    public async Task IndexColumn_NeverHoldsThePlaintext_NorTheWholeHmac()
    {
        var rings = await Rings.CreateAsync();
        await using var db = await TestDatabase.CreateWithSchemaAsync(provider, rings.Encryptor);
        string[] emails = [.. Enumerable.Range(0, 50).Select(i => $"user{i}@example.com")];
        await using var context = db.CreateContext(rings.Encryptor, rings.Provider);
        context.Customers.AddRange(emails.Select(e => new Customer { Email = e, Phone = "+1555" + e.Length }));
        await context.SaveChangesAsync();

        var indexer = new BlindIndexer(rings.Provider);
        foreach (var row in await Sql.RowsAsync(context, "SELECT \"EmailIndex\", \"PhoneIndex\" FROM \"Customers\""))
        {
            string email = (string)row[0]!;
            string phone = (string)row[1]!;
            Assert.DoesNotContain("example", email, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("+1555", phone, StringComparison.Ordinal);
            Assert.Equal("bi1:v1:".Length + 6, email.Length);
            Assert.Equal("bi1:v1:".Length + 2, phone.Length);
            Assert.DoesNotContain(emails, e => indexer.Compute("Customer.Email", 256, e) == email);
        }
    }

    [Fact]
    public async Task EightBitIndex_ReturnsFalsePositives_WhichTheExactLookupsDrop()
    {
        var rings = await Rings.CreateAsync();
        await using var db = await TestDatabase.CreateWithSchemaAsync(provider, rings.Encryptor);
        string[] phones = [.. Enumerable.Range(0, 600).Select(i => $"+1555{i:D6}")];
        await using var context = db.CreateContext(rings.Encryptor, rings.Provider);
        context.Customers.AddRange(phones.Select(p => new Customer { Phone = p }));
        await context.SaveChangesAsync();
        context.ChangeTracker.Clear();

        // With 600 values in 256 buckets some value shares its index: pick one that does.
        var indexer = new BlindIndexer(rings.Provider);
        string shared = phones.GroupBy(p => indexer.Compute("Customer.Phone", 8, p)).First(g => g.Count() > 1).First();

        var candidates = await context.Customers.WhereBlindIndex(c => c.Phone!, shared).ToListAsync();
        var exact = await context.Customers.ToListBlindAsync(c => c.Phone!, shared);

        Assert.True(candidates.Count > 1);
        Assert.Equal([shared], exact.Select(c => c.Phone));
        Assert.Equal(shared, (await context.Customers.FirstOrDefaultBlindAsync(c => c.Phone!, shared))?.Phone);
    }

    [Fact]
    public async Task Update_RewritesTheIndex_AndNullClearsIt()
    {
        var rings = await Rings.CreateAsync();
        await using var db = await TestDatabase.CreateWithSchemaAsync(provider, rings.Encryptor);
        await using var context = db.CreateContext(rings.Encryptor, rings.Provider);
        var customer = new Customer { Email = "old@example.com" };
        context.Customers.Add(customer);
        await context.SaveChangesAsync();

        customer.Email = "new@example.com";
        await context.SaveChangesAsync();
        Assert.Null(await context.Customers.FirstOrDefaultBlindAsync(c => c.Email!, "old@example.com"));
        Assert.NotNull(await context.Customers.FirstOrDefaultBlindAsync(c => c.Email!, "new@example.com"));

        customer.Email = null;
        await context.SaveChangesAsync();
        Assert.Null(await Sql.ScalarAsync(context, "SELECT \"EmailIndex\" FROM \"Customers\""));
    }

    [Fact]
    public async Task BadInput_IsRefusedClearly_AndWritesNothing()
    {
        var rings = await Rings.CreateAsync();
        await using var db = await TestDatabase.CreateWithSchemaAsync(provider, rings.Encryptor);
        await using var context = db.CreateContext(rings.Encryptor, rings.Provider);

        var nullLookup = Assert.Throws<ArgumentNullException>(() => context.Customers.WhereBlindIndex(c => c.Email!, null!));
        Assert.Contains("null", nullLookup.Message, StringComparison.Ordinal);
        var notIndexed = Assert.Throws<InvalidOperationException>(() => context.Profiles.WhereBlindIndex(p => p.ApiKey!, "x"));
        Assert.Contains("UserProfile.ApiKey has no blind index", notIndexed.Message, StringComparison.Ordinal);

        context.Customers.Add(new Customer { Phone = "!secret-phone" });
        var normalisation = await Assert.ThrowsAsync<InvalidOperationException>(() => context.SaveChangesAsync());
        Assert.Contains("Customer.Phone", normalisation.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-phone", normalisation.Message, StringComparison.Ordinal);
        context.ChangeTracker.Clear();
        Assert.Equal(0, await context.Customers.CountAsync());
    }

    [Fact]
    public async Task WithoutTheKeyRing_OrWithoutAnIndexKey_LookupsSaySo()
    {
        var rings = await Rings.CreateAsync();
        await using var db = await TestDatabase.CreateWithSchemaAsync(provider, rings.Encryptor);
        await using (var context = db.CreateContext(rings.Encryptor))
        {
            var noRing = Assert.Throws<InvalidOperationException>(() => context.Customers.WhereBlindIndex(c => c.Email!, "a"));
            Assert.Contains("key ring", noRing.Message, StringComparison.Ordinal);
        }

        var bare = new StaticKeyRingProvider(new KeyRing(rings.Current.Keys, rings.Current.History));
        await using (var context = db.CreateContext(rings.Encryptor, bare))
        {
            var noIndexKey = Assert.Throws<EnvelopeException>(() => context.Customers.WhereBlindIndex(c => c.Email!, "a"));
            Assert.Equal(EnvelopeErrorReason.UnknownKeyVersion, noIndexKey.Reason);
        }
    }

    [Fact]
    public void HasBlindIndex_OnAPropertyThatIsNotEncrypted_IsRefusedWhenTheModelIsBuilt()
    {
        var builder = new ModelBuilder();
        var error = Assert.Throws<InvalidOperationException>(() => builder.Entity<Customer>().Property(c => c.Email!).HasBlindIndex("EmailIndex"));

        Assert.Contains("Customer.Email is not encrypted", error.Message, StringComparison.Ordinal);
        var bits = Assert.Throws<ArgumentException>(
            () => new ModelBuilder().Entity<Customer>().Property(c => c.Email!).IsEncrypted().HasBlindIndex("EmailIndex", o => o.Bits = 7));
        Assert.Contains("Bits", bits.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IndexKeyRotation_LookupsWorkBeforeDuringAndAfterTheBackfill_ThenTheOldKeyRetires()
    {
        var rings = await Rings.CreateAsync();
        await using var db = await TestDatabase.CreateWithSchemaAsync(provider, rings.Encryptor);
        string[] emails = [.. Enumerable.Range(0, 250).Select(i => $"user{i}@example.com")];
        await using (var context = db.CreateContext(rings.Encryptor, rings.Provider))
        {
            context.Customers.AddRange(emails.Select(e => new Customer { Email = e }));
            await context.SaveChangesAsync();
        }

        await rings.Manager.RotateIndexKeyAsync("tests");
        await using (var context = db.CreateContext(rings.Encryptor, rings.Provider))
        {
            // A row saved now is indexed under v2; the old rows are still under v1: both are found.
            context.Customers.Add(new Customer { Email = "late@example.com" });
            await context.SaveChangesAsync();
            Assert.NotNull(await context.Customers.FirstOrDefaultBlindAsync(c => c.Email!, "late@example.com"));
            Assert.NotNull(await context.Customers.FirstOrDefaultBlindAsync(c => c.Email!, emails[200]));
            var before = await context.GetBlindIndexUsageAsync<Customer>(c => c.Email!);
            Assert.Equal((250L, 1L), (before.CountOf(1), before.CountOf(2)));
            await Assert.ThrowsAsync<KeyDestructionRefusedException>(() => rings.Manager.RetireIndexKeyAsync(1, "tests", before));
        }

        var midway = new List<bool>();
        var options = new EntityReencryptionOptions
        {
            BatchSize = 100,
            BeforeBatchTransaction = async (sequence, ct) =>
            {
                await using var reader = db.CreateContext(rings.Encryptor, rings.Provider);
                midway.Add(await reader.Customers.FirstOrDefaultBlindAsync(c => c.Email!, emails[(int)sequence * 100], ct) is not null
                    && await reader.Customers.FirstOrDefaultBlindAsync(c => c.Email!, emails[249], ct) is not null);
            },
        };
        ReencryptionSummary summary;
        await using (var context = db.CreateContext(rings.Encryptor, rings.Provider))
        {
            summary = await context.BackfillBlindIndexAsync<Customer>(c => c.Email!, options);
        }

        Assert.Equal((250L, 2), (summary.Rewrapped, summary.ActiveVersion));
        Assert.Equal([true, true, true], midway);
        await using (var context = db.CreateContext(rings.Encryptor, rings.Provider))
        {
            var after = await context.GetBlindIndexUsageAsync<Customer>(c => c.Email!);
            Assert.Equal((0L, 251L, 0L), (after.CountOf(1), after.CountOf(2), after.Malformed));
            await rings.Manager.RetireIndexKeyAsync(1, "tests", after);
            Assert.Equal([2], rings.Current.IndexKeys.Select(k => k.Version));
            foreach (string email in emails.Where((_, i) => i % 25 == 0))
            {
                Assert.NotNull(await context.Customers.FirstOrDefaultBlindAsync(c => c.Email!, email));
            }

            var again = await context.BackfillBlindIndexAsync<Customer>(c => c.Email!);
            Assert.Equal(0L, again.Scanned);
        }
    }

    [Fact]
    public async Task Backfill_FillsIndexesOfRowsStoredBeforeTheIndexExisted_AndSkipsRowsChangedMeanwhile()
    {
        var rings = await Rings.CreateAsync();
        await using var db = await TestDatabase.CreateWithSchemaAsync(provider, rings.Encryptor);
        await using (var context = db.CreateContext(rings.Encryptor, rings.Provider))
        {
            context.Customers.AddRange(Enumerable.Range(0, 30).Select(i => new Customer { Email = $"u{i}@example.com" }));
            await context.SaveChangesAsync();
            await Sql.ExecuteAsync(context, "UPDATE \"Customers\" SET \"EmailIndex\" = NULL");
        }

        bool changed = false;
        var options = new EntityReencryptionOptions
        {
            BatchSize = 10,
            BeforeWriteBatch = async ct =>
            {
                if (changed)
                {
                    return;
                }

                changed = true;
                await using var writer = db.CreateContext(rings.Encryptor, rings.Provider);
                var first = await writer.Customers.OrderBy(c => c.Id).FirstAsync(ct);
                first.Email = "changed@example.com";
                await writer.SaveChangesAsync(ct);
            },
        };
        await using (var context = db.CreateContext(rings.Encryptor, rings.Provider))
        {
            var summary = await context.BackfillBlindIndexAsync<Customer>(c => c.Email!, options);

            Assert.Equal((30L, 29L, 1L), (summary.Scanned, summary.Rewrapped, summary.Skipped));
            Assert.Equal(0L, Convert.ToInt64(await Sql.ScalarAsync(context, "SELECT COUNT(*) FROM \"Customers\" WHERE \"EmailIndex\" IS NULL")));
            Assert.NotNull(await context.Customers.FirstOrDefaultBlindAsync(c => c.Email!, "changed@example.com"));
            Assert.NotNull(await context.Customers.FirstOrDefaultBlindAsync(c => c.Email!, "u29@example.com"));
        }
    }
}

public sealed class SqliteBlindIndexTests() : BlindIndexTests("sqlite");

public sealed class PostgresBlindIndexTests() : BlindIndexTests("postgres");
