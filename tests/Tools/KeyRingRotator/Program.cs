// Usage: KeyRingRotator <rotations> <by> [--encrypt], with VERSIONEDENVELOPE_ROTATOR_DB (connection string) and
// VERSIONEDENVELOPE_ROTATOR_ROOT_KEY (base64) in the environment. Prints one line per rotation: the version it created,
// and with --encrypt a text ciphertext of "written under v{version}" made under it at once.
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VersionedEnvelope;
using VersionedEnvelope.EntityFrameworkCore.Storage;

string connectionString = Environment.GetEnvironmentVariable("VERSIONEDENVELOPE_ROTATOR_DB") ?? throw new InvalidOperationException("VERSIONEDENVELOPE_ROTATOR_DB is not set.");
byte[] rootKey = Convert.FromBase64String(Environment.GetEnvironmentVariable("VERSIONEDENVELOPE_ROTATOR_ROOT_KEY") ?? "");
int rotations = int.Parse(args[0], CultureInfo.InvariantCulture);

var services = new ServiceCollection();
services.AddDbContext<RotatorContext>(o => o.UseNpgsql(connectionString));
services.AddVersionedEnvelope().PersistKeysToDbContext<RotatorContext>(_ => (byte[])rootKey.Clone());
await using var provider = services.BuildServiceProvider();
var manager = provider.GetRequiredService<KeyRingManager>();
await manager.InitializeAsync();
bool encrypt = args.Length > 2 && args[2] == "--encrypt";
var encryptor = provider.GetRequiredService<IEnvelopeEncryptor>();
for (int i = 0; i < rotations; i++)
{
    var rotation = await manager.RotateAsync(args[1]);
    string version = rotation.Version.ToString(CultureInfo.InvariantCulture);
    Console.WriteLine(encrypt ? $"{version} {encryptor.EncryptString($"written under v{version}")}" : version);
}

internal sealed class RotatorContext(DbContextOptions<RotatorContext> options) : DbContext(options), IKeyRingDbContext
{
    public DbSet<VersionedEnvelopeKeyRing> VersionedEnvelopeKeyRings => Set<VersionedEnvelopeKeyRing>();
    public DbSet<VersionedEnvelopeKeyUse> VersionedEnvelopeKeyUses => Set<VersionedEnvelopeKeyUse>();
}
