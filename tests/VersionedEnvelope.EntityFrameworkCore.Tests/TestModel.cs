using Microsoft.EntityFrameworkCore;
using VersionedEnvelope.EntityFrameworkCore;
using VersionedEnvelope.EntityFrameworkCore.Storage;

namespace VersionedEnvelope.EntityFrameworkCore.Tests;

public class UserProfile
{
    public int Id { get; set; }

    public string Email { get; set; } = "";

    public string? ApiKey { get; set; }

    public int KeyVersion { get; set; } = 1;

    [Encrypted]
    public byte[]? Token { get; set; }

    public string? Notes { get; set; }
}

/// <summary>An entity with one encrypted text column and its key version, nothing binary: SQL alone can find its stale rows.</summary>
public class Credential
{
    public int Id { get; set; }

    public string? Secret { get; set; }

    public int KeyVersion { get; set; } = 1;
}

public class ReencryptionCheckpoint
{
    public string Name { get; set; } = "";

    public string Value { get; set; } = "";
}

public class TestDbContext(DbContextOptions<TestDbContext> options) : DbContext(options), IKeyRingDbContext
{
    public DbSet<UserProfile> Profiles => Set<UserProfile>();

    public DbSet<ReencryptionCheckpoint> Checkpoints => Set<ReencryptionCheckpoint>();

    public DbSet<Credential> Credentials => Set<Credential>();

    public DbSet<VersionedEnvelopeKeyRing> VersionedEnvelopeKeyRings => Set<VersionedEnvelopeKeyRing>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<UserProfile>(entity =>
        {
            entity.Property(p => p.ApiKey).IsEncrypted(keyVersion: (UserProfile p) => p.KeyVersion);
            entity.Property(p => p.Notes).IsEncrypted();
            entity.HasIndex(p => p.KeyVersion);
        });
        modelBuilder.Entity<ReencryptionCheckpoint>().HasKey(c => c.Name);
        modelBuilder.Entity<Credential>().Property(c => c.Secret).IsEncrypted(keyVersion: (Credential c) => c.KeyVersion);
    }
}
