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

/// <summary>An entity whose encrypted email has a blind index (normalised: trimmed, lower case) and whose phone has an 8-bit one.</summary>
public class Customer
{
    public int Id { get; set; }

    public string? Email { get; set; }

    public string? Phone { get; set; }
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

    public DbSet<Customer> Customers => Set<Customer>();

    public DbSet<VersionedEnvelopeKeyRing> VersionedEnvelopeKeyRings => Set<VersionedEnvelopeKeyRing>();
    public DbSet<VersionedEnvelopeKeyUse> VersionedEnvelopeKeyUses => Set<VersionedEnvelopeKeyUse>();

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
        modelBuilder.Entity<Customer>(customer =>
        {
            customer.Property(c => c.Email!).IsEncrypted().HasBlindIndex("EmailIndex", index => index.Normalize = email => email.Trim().ToLowerInvariant());
            customer.Property(c => c.Phone!).IsEncrypted().HasBlindIndex("PhoneIndex", index =>
            {
                index.Bits = 8;
                index.Normalize = phone => phone.Length > 0 && phone[0] == '!' ? throw new FormatException("bad phone " + phone) : phone;
            });
        });
    }
}
