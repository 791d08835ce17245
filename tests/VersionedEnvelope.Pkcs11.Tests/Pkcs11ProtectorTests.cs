using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Shared.Tests;
using VersionedEnvelope.Pkcs11;
using VersionedEnvelope.Storage;

namespace VersionedEnvelope.Pkcs11.Tests;

/// <summary>The PKCS#11 protector against a real token: SoftHSM2, which .ci/run installs and initialises.</summary>
public sealed class Pkcs11ProtectorTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ve-pkcs11-").FullName;
    private readonly List<IDisposable> _protectors = [];

    private string RingPath => Path.Combine(_directory, "keyring.json");

    public void Dispose()
    {
        _protectors.ForEach(p => p.Dispose());
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Pkcs11_WrapThenUnwrap_RoundTrips_AndTheKeyIsSensitiveAndNeverExtractable()
    {
        var ct = TestContext.Current.CancellationToken;
        var protector = Protector(NewKeyLabel(), create: true);
        byte[] ringKey = RandomNumberGenerator.GetBytes(32);

        byte[] wrapped = await protector.WrapKeyAsync(ringKey, ct);
        byte[] unwrapped = await protector.UnwrapKeyAsync(protector.KeyId, wrapped, ct);

        Assert.Equal(ringKey, unwrapped);
        Assert.Equal(12 + 32 + 16, wrapped.Length);
        Assert.Equal((true, false), protector.GetKeyProtection());
        Assert.StartsWith("pkcs11:token=", protector.KeyId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pkcs11_ARingFile_OpensWithNothingButTheToken()
    {
        var ct = TestContext.Current.CancellationToken;
        string label = NewKeyLabel();
        var ring = KeyRing.CreateNew();
        await new FileKeyRingStore(RingPath, new KeyRingProtection([Protector(label, create: true)])).SaveAsync(ring, 0, ct);

        // Another process would open the same token and find the key by its label: a new protector does the same.
        var loaded = (await new FileKeyRingStore(RingPath, new KeyRingProtection([Protector(label)])).LoadAsync(ct))!;

        var material = new byte[32];
        loaded.Ring.ActiveKey.CopyKeyMaterialTo(material);
        var expected = new byte[32];
        ring.ActiveKey.CopyKeyMaterialTo(expected);
        Assert.Equal(expected, material);
        string file = await File.ReadAllTextAsync(RingPath, ct);
        Assert.DoesNotContain(Convert.ToBase64String(expected), file, StringComparison.Ordinal);
        Assert.Contains("pkcs11:token=", file, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pkcs11_WithDependencyInjection_RotatesAndReloads_AndAThreadStormSharesTheSessions()
    {
        var ct = TestContext.Current.CancellationToken;
        var (library, token, pin) = Token();
        string label = NewKeyLabel();
        var services = new ServiceCollection();
        services.AddVersionedEnvelope()
            .ProtectKeysWithPkcs11(o => (o.LibraryPath, o.TokenLabel, o.UserPinProvider, o.KeyLabel, o.CreateKeyIfMissing) = (library, token, () => pin, label, true))
            .PersistKeysToFile(RingPath)
            .ConfigureKeyRing(o => (o.CreateKeyRingIfMissing, o.RefreshInterval) = (true, TimeSpan.Zero));
        await using var provider = services.BuildServiceProvider();
        var manager = provider.GetRequiredService<KeyRingManager>();
        await manager.InitializeAsync(ct);

        await manager.RotateAsync("ops", ct);
        var protector = provider.GetRequiredService<Pkcs11KeyRingProtector>();
        var keys = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            byte[] key = RandomNumberGenerator.GetBytes(32);
            return (key, await protector.UnwrapKeyAsync(protector.KeyId, await protector.WrapKeyAsync(key, ct), ct));
        }, ct)));

        Assert.True(await manager.RefreshAsync(ct) || manager.Current.ActiveVersion == 2);
        Assert.Equal(2, manager.Current.ActiveVersion);
        Assert.All(keys, pair => Assert.Equal(pair.key, pair.Item2));
    }

    [Fact]
    public async Task Pkcs11_ATamperedWrappedKey_IsRefused()
    {
        var ct = TestContext.Current.CancellationToken;
        var protector = Protector(NewKeyLabel(), create: true);
        byte[] wrapped = await protector.WrapKeyAsync(RandomNumberGenerator.GetBytes(32), ct);
        wrapped[20] ^= 1;

        var error = await Assert.ThrowsAsync<Pkcs11ProtectorException>(async () => await protector.UnwrapKeyAsync(protector.KeyId, wrapped, ct));
        var otherKey = await Assert.ThrowsAnyAsync<CryptographicException>(async () =>
            await protector.UnwrapKeyAsync("pkcs11:token=elsewhere;object=x;id=00", await protector.WrapKeyAsync(new byte[32], ct), ct));

        Assert.Contains("could not unwrap", error.Message, StringComparison.Ordinal);
        Assert.Contains("is not a key of the PKCS#11 token", otherKey.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pkcs11_APinProviderThatThrows_FailsAsAProtectorErrorNamingTheToken()
    {
        var (library, token, _) = Token();
        var cause = new TimeoutException("The secret store did not answer.");

        var error = Assert.Throws<Pkcs11ProtectorException>(() => new Pkcs11KeyRingProtector(new Pkcs11ProtectorOptions
        {
            LibraryPath = library, TokenLabel = token, UserPinProvider = () => throw cause, KeyLabel = NewKeyLabel(), CreateKeyIfMissing = true,
        }));

        Assert.Contains($"'{token}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("UserPinProvider", error.Message, StringComparison.Ordinal);
        Assert.Same(cause, error.InnerException);
    }

    [Fact]
    public void Pkcs11_AWrongPin_FailsClearly_AndNeverShowsThePin()
    {
        var (library, token, pin) = Token();
        string wrong = pin + "0000";

        var error = Assert.Throws<Pkcs11ProtectorException>(() => new Pkcs11KeyRingProtector(new Pkcs11ProtectorOptions
        {
            LibraryPath = library, TokenLabel = token, UserPin = wrong, KeyLabel = NewKeyLabel(), CreateKeyIfMissing = true,
        }));

        Assert.Contains("the PIN was refused", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{token}'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(pin, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Pkcs11_AMissingTokenKeyOrLibrary_IsSaidAsSuch()
    {
        var (library, token, pin) = Token();

        var noToken = Assert.Throws<Pkcs11ProtectorException>(() => new Pkcs11KeyRingProtector(new Pkcs11ProtectorOptions
        {
            LibraryPath = library, TokenLabel = "no-such-token", UserPin = pin, KeyLabel = "k",
        }));
        var noKey = Assert.Throws<Pkcs11ProtectorException>(() => new Pkcs11KeyRingProtector(new Pkcs11ProtectorOptions
        {
            LibraryPath = library, TokenLabel = token, UserPin = pin, KeyLabel = "never-created",
        }));
        var noLibrary = Assert.Throws<Pkcs11ProtectorException>(() => new Pkcs11KeyRingProtector(new Pkcs11ProtectorOptions
        {
            LibraryPath = "/nonexistent/libpkcs11.so", TokenLabel = token, UserPin = pin, KeyLabel = "k",
        }));
        var noOptions = Assert.Throws<ArgumentException>(() => new Pkcs11KeyRingProtector(new Pkcs11ProtectorOptions()));

        Assert.Contains($"no token labelled 'no-such-token' (tokens present: '{token}'", noToken.Message, StringComparison.Ordinal);
        Assert.Contains("no AES key labelled 'never-created'", noKey.Message, StringComparison.Ordinal);
        Assert.Contains("'/nonexistent/libpkcs11.so' does not exist", noLibrary.Message, StringComparison.Ordinal);
        foreach (string missing in new[] { "LibraryPath", "TokenLabel", "KeyLabel", "UserPin or UserPinProvider" })
        {
            Assert.Contains(missing, noOptions.Message, StringComparison.Ordinal);
        }
        foreach (var error in new Exception[] { noToken, noKey, noLibrary })
        {
            Assert.DoesNotContain(pin, error.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Pkcs11_ARingSealedUnderAnotherProtector_ListsTheKeyIdsItAccepts()
    {
        var ct = TestContext.Current.CancellationToken;
        var rootKey = new RootKeyProtector(RandomNumberGenerator.GetBytes(32));
        await new FileKeyRingStore(RingPath, new KeyRingProtection([rootKey])).SaveAsync(KeyRing.CreateNew(), 0, ct);
        var hsm = Protector(NewKeyLabel(), create: true);

        var error = await Assert.ThrowsAsync<KeyRingStoreException>(async () => await new FileKeyRingStore(RingPath, new KeyRingProtection([hsm])).LoadAsync(ct));

        Assert.Contains($"it accepts '{rootKey.KeyId}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(hsm.KeyId, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pkcs11_MovingARingFromTheRootKeyToTheToken_LeavesOnlyTheTokenAbleToOpenIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var rootKey = new RootKeyProtector(RandomNumberGenerator.GetBytes(32));
        var hsm = Protector(NewKeyLabel(), create: true);
        byte[] document = await new KeyRingProtection([rootKey]).SealAsync(KeyRing.CreateNew(), 1, "default", ct);

        byte[] moved = await new KeyRingProtection([rootKey]).ReprotectAsync(document, "default", "ring", [hsm], [rootKey.KeyId], ct);

        Assert.Equal([hsm.KeyId], KeyRingProtection.GetKeyIds(moved, "ring"));
        Assert.Equal(1, (await new KeyRingProtection([hsm]).OpenAsync(moved, "default", "ring", ct)).Ring.ActiveVersion);
        await Assert.ThrowsAsync<KeyRingStoreException>(async () => await new KeyRingProtection([rootKey]).OpenAsync(moved, "default", "ring", ct));
        Assert.DoesNotContain(Token().Pin, Encoding.UTF8.GetString(moved), StringComparison.Ordinal);
    }

    /// <summary>The token named by the VERSIONEDENVELOPE_PKCS11_* variables (.ci/run sets them), else one this assembly initialises in SoftHSM2.</summary>
    private static (string Library, string Token, string Pin) Token()
    {
        string[] variables = ["VERSIONEDENVELOPE_PKCS11_LIBRARY", "VERSIONEDENVELOPE_PKCS11_TOKEN", "VERSIONEDENVELOPE_PKCS11_PIN"];
        if (variables.All(v => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(v))))
        {
            var values = ExternalPart.Require("a PKCS#11 token", ".ci/run initialises one in SoftHSM2", variables);
            return (values[0], values[1], values[2]);
        }

        return ThrowAwaySoftHsm.Require(out string? whyNot)
            ?? throw ExternalPart.MissingException($"These tests need a PKCS#11 token: {whyNot}, or set {string.Join(", ", variables)}.");
    }

    private static string NewKeyLabel() => $"test-{Guid.NewGuid():N}";

    private Pkcs11KeyRingProtector Protector(string keyLabel, bool create = false)
    {
        var (library, token, pin) = Token();
        var protector = new Pkcs11KeyRingProtector(new Pkcs11ProtectorOptions
        {
            LibraryPath = library,
            TokenLabel = token,
            UserPin = pin,
            KeyLabel = keyLabel,
            CreateKeyIfMissing = create,
        });
        _protectors.Add(protector);
        return protector;
    }
}
