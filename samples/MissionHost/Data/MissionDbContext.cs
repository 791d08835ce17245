using Microsoft.EntityFrameworkCore;
using VersionedEnvelope.EntityFrameworkCore.Storage;

namespace MissionHost.Data;

/// <summary>
/// The host's database: profiles with encrypted API keys, missions with their agent costs, the re-encryption checkpoint
/// and (on PostgreSQL) the shared key ring. One subclass per provider, because each has its own migrations: the same
/// model, with <c>jsonb</c> columns on PostgreSQL and <c>TEXT</c> on SQLite.
/// </summary>
internal abstract class MissionDbContext(DbContextOptions options) : DbContext(options), IKeyRingDbContext
{
    public const string KeyVersionComment = "Key version that encrypted apiKey (the version in its VE1 header); 1 for values written before versioning.";
    public const string KeyRotationHistoryComment = "Audit trail of key rotations when apiKey was last written: [{ version, rotatedAt, rotatedBy }].";
    public const string AgentCostsComment = "Per-agent usage of the mission: { \"agentName\": { \"tokens\", \"cost\", \"duration\" } } (cost in credits, duration in ms).";

    public DbSet<UserProfile> UserProfiles => Set<UserProfile>();

    public DbSet<Mission> Missions => Set<Mission>();

    public DbSet<ReencryptionCheckpoint> Checkpoints => Set<ReencryptionCheckpoint>();

    public DbSet<VersionedEnvelopeKeyRing> VersionedEnvelopeKeyRings => Set<VersionedEnvelopeKeyRing>();

    public DbSet<VersionedEnvelopeKeyUse> VersionedEnvelopeKeyUses => Set<VersionedEnvelopeKeyUse>();

    /// <summary>True on PostgreSQL, where JSON columns are <c>jsonb</c> and the breakdown runs in SQL.</summary>
    public abstract bool IsPostgres { get; }

    /// <summary>The column type of the JSON columns.</summary>
    protected abstract string JsonColumnType { get; }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        // The seed's names: singular tables, camelCase columns.
        modelBuilder.Entity<UserProfile>(profile =>
        {
            profile.ToTable("UserProfile");
            profile.Property(p => p.Id).HasColumnName("id");
            profile.Property(p => p.Email).HasColumnName("email").IsEncrypted(ProfileEmail.AssociatedData).HasBlindIndex(ProfileEmail.IndexColumn, index =>
            {
                index.Name = ProfileEmail.IndexName;
                index.Bits = ProfileEmail.IndexBits;
                index.Normalize = ProfileEmail.Normalize;
            });
            profile.Property(p => p.ApiKey).HasColumnName("apiKey").IsEncrypted(keyVersion: (UserProfile p) => p.KeyVersion);
            profile.Property(p => p.KeyVersion).HasColumnName("keyVersion").HasDefaultValue(1).HasComment(KeyVersionComment);
            profile.Property(p => p.KeyRotationHistory).HasColumnName("keyRotationHistory").HasColumnType(JsonColumnType).HasComment(KeyRotationHistoryComment);
            profile.HasIndex(p => p.KeyVersion).HasDatabaseName("UserProfile_keyVersion");
        });

        modelBuilder.Entity<Mission>(mission =>
        {
            mission.ToTable("Mission");
            mission.Property(m => m.Id).HasColumnName("id");
            mission.Property(m => m.Name).HasColumnName("name");
            mission.Property(m => m.Cost).HasColumnName("cost");
            mission.Property(m => m.AgentCosts).HasColumnName("agentCosts").HasColumnType(JsonColumnType).HasComment(AgentCostsComment);
            mission.Property(m => m.StartedAt).HasColumnName("startedAt");
            mission.Property(m => m.CompletedAt).HasColumnName("completedAt");
            mission.HasIndex(m => m.CompletedAt).HasDatabaseName("Mission_completedAt");
        });

        modelBuilder.Entity<ReencryptionCheckpoint>(checkpoint =>
        {
            checkpoint.ToTable("Checkpoint");
            checkpoint.HasKey(c => c.Name);
            checkpoint.Property(c => c.Name).HasColumnName("name");
            checkpoint.Property(c => c.TargetVersion).HasColumnName("targetVersion");
            checkpoint.Property(c => c.LastId).HasColumnName("lastId");
            checkpoint.Property(c => c.Done).HasColumnName("done");
        });
    }
}
