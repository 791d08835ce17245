using Shared.Tests;
using System.Text;
using Microsoft.EntityFrameworkCore;

namespace VersionedEnvelope.EntityFrameworkCore.Tests;

/// <summary>Encrypted properties, the same on every provider.</summary>
public abstract class EncryptedPropertyTests(string provider)
{
    [Fact]
    public async Task Save_StoresTextFormAndBinary_AndReadsPlaintextBack()
    {
        var rings = await Rings.CreateAsync();
        await using var db = await TestDatabase.CreateWithSchemaAsync(provider, rings.Encryptor);
        await using (var context = db.CreateContext(rings.Encryptor))
        {
            context.Profiles.Add(new UserProfile { Email = "a@example.com", ApiKey = "sk-secret-1", Token = [1, 2, 3], Notes = "note" });
            await context.SaveChangesAsync();
        }

        await using (var context = db.CreateContext(rings.Encryptor))
        {
            var stored = (string)(await Sql.ScalarAsync(context, "SELECT \"ApiKey\" FROM \"Profiles\""))!;
            var token = (byte[])(await Sql.ScalarAsync(context, "SELECT \"Token\" FROM \"Profiles\""))!;
            Assert.StartsWith("ve1:v1:", stored, StringComparison.Ordinal);
            Assert.DoesNotContain("sk-secret", stored, StringComparison.Ordinal);
            Assert.Equal(1, EnvelopeFormat.GetKeyVersion(token));
            var profile = await context.Profiles.SingleAsync();
            Assert.Equal(("sk-secret-1", 1, "note"), (profile.ApiKey, profile.KeyVersion, profile.Notes));
            Assert.Equal([1, 2, 3], profile.Token);
        }
    }

    [Fact]
    public async Task KeyVersion_FollowsTheHeaderWritten_AfterRotation()
    {
        var rings = await Rings.CreateAsync();
        await using var db = await TestDatabase.CreateWithSchemaAsync(provider, rings.Encryptor);
        await using var context = db.CreateContext(rings.Encryptor);
        var profile = new UserProfile { Email = "a@example.com", ApiKey = "one", KeyVersion = 7 };
        context.Profiles.Add(profile);
        await context.SaveChangesAsync();
        Assert.Equal(1, profile.KeyVersion);

        await rings.RotateAsync();
        profile.ApiKey = "two";
        await context.SaveChangesAsync();

        Assert.Equal(2, profile.KeyVersion);
        var stored = (string)(await Sql.ScalarAsync(context, "SELECT \"ApiKey\" FROM \"Profiles\""))!;
        Assert.Equal(2, EnvelopeFormat.GetKeyVersion(stored));
        Assert.Equal(2L, Convert.ToInt64(await Sql.ScalarAsync(context, "SELECT \"KeyVersion\" FROM \"Profiles\"")));
    }

    [Fact]
    public async Task ModifiedEntity_ReadUnderAnOlderVersion_IsRewrittenOnSave_UnchangedOneIsNot()
    {
        var rings = await Rings.CreateAsync();
        await using var db = await TestDatabase.CreateWithSchemaAsync(provider, rings.Encryptor);
        await using (var context = db.CreateContext(rings.Encryptor))
        {
            context.Profiles.AddRange(new UserProfile { Email = "a", ApiKey = "ka" }, new UserProfile { Email = "b", ApiKey = "kb" });
            await context.SaveChangesAsync();
        }

        await rings.RotateAsync();
        await using (var context = db.CreateContext(rings.Encryptor))
        {
            var profiles = await context.Profiles.OrderBy(p => p.Email).ToListAsync();
            profiles[0].Email = "a2";
            await context.SaveChangesAsync();

            var versions = await Sql.RowsAsync(context, "SELECT \"Email\", \"ApiKey\", \"KeyVersion\" FROM \"Profiles\" ORDER BY \"Email\"");
            Assert.Equal(2, EnvelopeFormat.GetKeyVersion((string)versions[0][1]!));
            Assert.Equal(2L, Convert.ToInt64(versions[0][2]));
            Assert.Equal(1, EnvelopeFormat.GetKeyVersion((string)versions[1][1]!));
            Assert.Equal(1L, Convert.ToInt64(versions[1][2]));
        }

        await using (var context = db.CreateContext(rings.Encryptor))
        {
            Assert.Equal(["ka", "kb"], await context.Profiles.OrderBy(p => p.Email).Select(p => p.ApiKey).ToListAsync());
        }
    }

    [Fact]
    public async Task ValueCopiedToAnotherColumn_FailsToDecrypt()
    {
        var rings = await Rings.CreateAsync();
        await using var db = await TestDatabase.CreateWithSchemaAsync(provider, rings.Encryptor);
        await using var context = db.CreateContext(rings.Encryptor);
        context.Profiles.Add(new UserProfile { Email = "a", ApiKey = "secret", Notes = "n" });
        await context.SaveChangesAsync();
        await Sql.ExecuteAsync(context, "UPDATE \"Profiles\" SET \"Notes\" = \"ApiKey\"");
        context.ChangeTracker.Clear();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => context.Profiles.SingleAsync());

        var envelope = Assert.IsType<EnvelopeException>(Innermost<EnvelopeException>(error));
        Assert.DoesNotContain("secret", error.ToString(), StringComparison.Ordinal);
        Assert.NotEqual(EnvelopeErrorReason.Malformed, envelope.Reason);
    }

    [Fact]
    public async Task LegacyValue_IsReadWhenAllowed_AndRewrittenAsVe1WhenItsKeyVersionIsOlder()
    {
        var rings = await Rings.CreateAsync(allowLegacy: true);
        await using var db = await TestDatabase.CreateWithSchemaAsync(provider, rings.Encryptor);
        await using var context = db.CreateContext(rings.Encryptor);
        var legacy = LegacyCiphertexts.EncryptToBase64(rings.Current, 1, "old-key"u8.ToArray(), Encoding.UTF8.GetBytes("UserProfile.ApiKey"));
        await Sql.ExecuteAsync(context, "INSERT INTO \"Profiles\" (\"Email\", \"ApiKey\", \"KeyVersion\") VALUES ('legacy', @p0, 1)", legacy);

        // Under the active version the row's keyVersion says nothing is stale: a save leaves the value alone.
        var profile = await context.Profiles.SingleAsync();
        Assert.Equal("old-key", profile.ApiKey);
        profile.Email = "legacy2";
        await context.SaveChangesAsync();
        Assert.Equal(legacy, (string)(await Sql.ScalarAsync(context, "SELECT \"ApiKey\" FROM \"Profiles\""))!);

        await rings.RotateAsync();
        profile.Email = "legacy3";
        await context.SaveChangesAsync();

        var stored = (string)(await Sql.ScalarAsync(context, "SELECT \"ApiKey\" FROM \"Profiles\""))!;
        Assert.StartsWith("ve1:v2:", stored, StringComparison.Ordinal);
        Assert.Equal(2, profile.KeyVersion);
        context.ChangeTracker.Clear();
        Assert.Equal("old-key", (await context.Profiles.SingleAsync()).ApiKey);
    }

    [Fact]
    public void Converters_KeepNoStateBetweenValues()
    {
        // Every field of the codec behind a converter is fixed when the model is built: conversions are pure.
#pragma warning disable EF1001 // The test inspects the package's own internal type.
        var fields = typeof(Internal.EncryptedColumnCodec).GetFields(System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public);
#pragma warning restore EF1001
        Assert.NotEmpty(fields);
        Assert.All(fields, field => Assert.True(field.IsInitOnly, $"{field.Name} can change after construction"));
        Assert.DoesNotContain(fields, field => field.FieldType.IsGenericType && field.FieldType.GetGenericTypeDefinition() == typeof(System.Runtime.CompilerServices.ConditionalWeakTable<,>));
    }

    [Fact]
    public async Task SameStringInstance_InTwoEntities_IsEncryptedForEach_UnderTheActiveVersion()
    {
        var rings = await Rings.CreateAsync();
        await using var db = await TestDatabase.CreateWithSchemaAsync(provider, rings.Encryptor);
        string shared = string.Concat("shared-", "secret");
        await using (var context = db.CreateContext(rings.Encryptor))
        {
            context.Profiles.Add(new UserProfile { Email = "a", ApiKey = shared });
            await context.SaveChangesAsync();
            await rings.RotateAsync();
            context.Profiles.Add(new UserProfile { Email = "b", ApiKey = shared });
            await context.SaveChangesAsync();
        }

        await using (var context = db.CreateContext(rings.Encryptor))
        {
            var rows = await Sql.RowsAsync(context, "SELECT \"ApiKey\", \"KeyVersion\" FROM \"Profiles\" ORDER BY \"Email\"");
            Assert.Equal([(1, 1L), (2, 2L)], rows.Select(r => (EnvelopeFormat.GetKeyVersion((string)r[0]!), Convert.ToInt64(r[1]))));
            Assert.All(await context.Profiles.Select(p => p.ApiKey).ToListAsync(), key => Assert.Equal("shared-secret", key));
        }
    }

    [Fact]
    public async Task LegacyValue_IsRefusedUnlessAllowed()
    {
        var rings = await Rings.CreateAsync(allowLegacy: false);
        await using var db = await TestDatabase.CreateWithSchemaAsync(provider, rings.Encryptor);
        await using var context = db.CreateContext(rings.Encryptor);
        var legacy = LegacyCiphertexts.EncryptToBase64(rings.Current, 1, "old-key"u8.ToArray(), Encoding.UTF8.GetBytes("UserProfile.ApiKey"));
        await Sql.ExecuteAsync(context, "INSERT INTO \"Profiles\" (\"Email\", \"ApiKey\", \"KeyVersion\") VALUES ('legacy', @p0, 1)", legacy);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => context.Profiles.SingleAsync());
        Assert.NotNull(Innermost<EnvelopeException>(error));
    }

    [Fact]
    public async Task ContextWithoutAnEncryptor_RefusesToSave_NothingInClear()
    {
        var rings = await Rings.CreateAsync();
        await using var db = await TestDatabase.CreateWithSchemaAsync(provider, rings.Encryptor);
        var options = new DbContextOptionsBuilder<TestDbContext>();
        db.Configure(options);
        await using var plain = new TestDbContext(options.Options);
        plain.Profiles.Add(new UserProfile { Email = "a", ApiKey = "secret" });

        var error = await Assert.ThrowsAnyAsync<Exception>(() => plain.SaveChangesAsync());

        Assert.Contains("UseVersionedEnvelope", Innermost<InvalidOperationException>(error)!.Message, StringComparison.Ordinal);
        await using var check = db.CreateContext(rings.Encryptor);
        Assert.Equal(0, await check.Profiles.CountAsync());
    }

    [Fact]
    public async Task Inventory_CountsByHeaderInSql_AndByKeyVersionColumn()
    {
        var rings = await Rings.CreateAsync(allowLegacy: true);
        await using var db = await TestDatabase.CreateWithSchemaAsync(provider, rings.Encryptor);
        await using var context = db.CreateContext(rings.Encryptor, rings.Provider);
        context.Profiles.AddRange(Enumerable.Range(0, 3).Select(i => new UserProfile { Email = $"v1-{i}", ApiKey = "k" }));
        await context.SaveChangesAsync();
        await rings.RotateAsync();
        context.Profiles.AddRange(Enumerable.Range(0, 2).Select(i => new UserProfile { Email = $"v2-{i}", ApiKey = "k" }));
        context.Profiles.Add(new UserProfile { Email = "none" });
        await context.SaveChangesAsync();
        var legacy = LegacyCiphertexts.EncryptToBase64(rings.Current, 1, "x"u8.ToArray(), Encoding.UTF8.GetBytes("UserProfile.ApiKey"));
        await Sql.ExecuteAsync(context, "INSERT INTO \"Profiles\" (\"Email\", \"ApiKey\", \"KeyVersion\") VALUES ('legacy', @p0, 1)", legacy);
        await Sql.ExecuteAsync(context, "INSERT INTO \"Profiles\" (\"Email\", \"ApiKey\", \"KeyVersion\") VALUES ('bad', 've1:v9:AAAA', 9)");
        await Sql.ExecuteAsync(context, "INSERT INTO \"Profiles\" (\"Email\", \"ApiKey\", \"KeyVersion\") VALUES ('garbage', 'not a ciphertext at all', 1)");

        var inventory = await context.GetKeyUsageAsync<UserProfile>(p => p.ApiKey);
        var byColumn = await context.CountByKeyVersionAsync<UserProfile>(p => p.ApiKey);
        var stored = await Sql.RowsAsync(context, "SELECT \"ApiKey\" FROM \"Profiles\" WHERE \"ApiKey\" IS NOT NULL");
        var inMemory = KeyUsageInventory.Scan(stored.Select(r => (string?)r[0]));

        // One rule for what is legacy: the SQL inventory and the in-memory scan agree (the garbage text is malformed).
        Assert.Equal((3L, 2L, 1L, 2L), (inventory.CountOf(1), inventory.CountOf(2), inventory.Legacy, inventory.Malformed));
        Assert.Equal((inMemory.CountOf(1), inMemory.CountOf(2), inMemory.Legacy, inMemory.Malformed), (inventory.CountOf(1), inventory.CountOf(2), inventory.Legacy, inventory.Malformed));
        Assert.Equal(new Dictionary<int, long> { [1] = 5, [2] = 2, [9] = 1 }, byColumn);
        await Assert.ThrowsAsync<InvalidOperationException>(() => context.CountByKeyVersionAsync<UserProfile>(p => p.Notes));
    }

    internal static T? Innermost<T>(Exception? error)
        where T : Exception
    {
        T? found = null;
        for (var e = error; e is not null; e = e.InnerException)
        {
            found = e as T ?? found;
        }

        return found;
    }
}

public sealed class SqliteEncryptedPropertyTests() : EncryptedPropertyTests("sqlite");

public sealed class PostgresEncryptedPropertyTests() : EncryptedPropertyTests("postgres");
