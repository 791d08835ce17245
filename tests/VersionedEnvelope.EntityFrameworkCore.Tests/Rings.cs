namespace VersionedEnvelope.EntityFrameworkCore.Tests;

/// <summary>A rotating in-memory key ring and its encryptor.</summary>
internal sealed class Rings
{
    private readonly KeyRingManager _manager;

    private Rings(KeyRingManager manager, bool allowLegacy)
    {
        _manager = manager;
        Encryptor = new EnvelopeEncryptor(manager, new EnvelopeEncryptorOptions { AllowLegacyCiphertexts = allowLegacy });
    }

    public EnvelopeEncryptor Encryptor { get; }

    public IKeyRingProvider Provider => _manager;

    public KeyRingManager Manager => _manager;

    public KeyRing Current => _manager.Current;

    public static async Task<Rings> CreateAsync(bool allowLegacy = false)
    {
        var manager = new KeyRingManager(new VersionedEnvelope.Storage.InMemoryKeyRingStore(KeyRing.CreateNew()));
        await manager.InitializeAsync();
        return new Rings(manager, allowLegacy);
    }

    public Task RotateAsync() => _manager.RotateAsync("tests");
}
