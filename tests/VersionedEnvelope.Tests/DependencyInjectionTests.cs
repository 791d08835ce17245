using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace VersionedEnvelope.Tests;

public sealed class DependencyInjectionTests
{
    private static readonly string Key1 = Convert.ToBase64String(new byte[32]);
    private static readonly string Key2 = Convert.ToBase64String(Enumerable.Repeat((byte)7, 32).ToArray());

    [Fact]
    public void AddVersionedEnvelope_StaticKeys_ResolvesWorkingEncryptor()
    {
        var services = new ServiceCollection();
        services.AddVersionedEnvelope().UseStaticKeys(o =>
        {
            o.Keys["1"] = Key1;
            o.Keys["2"] = Key2;
            o.ActiveVersion = 2;
        });
        using var provider = services.BuildServiceProvider();

        var encryptor = provider.GetRequiredService<IEnvelopeEncryptor>();

        Assert.Equal(2, encryptor.ActiveKeyVersion);
        Assert.Equal("hi", encryptor.DecryptString(encryptor.EncryptString("hi")));
    }

    [Fact]
    public async Task AddVersionedEnvelope_StreamApis_ComeFromTheSameEncryptorWithTheConfiguredSegmentSize()
    {
        var services = new ServiceCollection();
        services.AddVersionedEnvelope(o => o.StreamSegmentSize = 4096).UseStaticKeys(o => { o.Keys["1"] = Key1; o.ActiveVersion = 1; });
        using var provider = services.BuildServiceProvider();
        var encryptor = provider.GetRequiredService<EnvelopeEncryptor>();
        using var ciphertext = new MemoryStream();

        await encryptor.EncryptAsync(new MemoryStream(new byte[10_000]), ciphertext, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Same(encryptor, provider.GetRequiredService<IEnvelopeEncryptor>());
        Assert.Equal(VersionedEnvelope.Streams.EnvelopeStreamFormat.GetCiphertextLength(10_000, 4096), ciphertext.Length);
    }

    [Fact]
    public void Options_StreamSegmentSizeOutOfRange_FailsValidation()
    {
        var services = new ServiceCollection();
        services.AddVersionedEnvelope(o => o.StreamSegmentSize = 100).UseStaticKeys(o => { o.Keys["1"] = Key1; o.ActiveVersion = 1; });
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<EnvelopeEncryptorOptions>>().Value);

        Assert.Contains(error.Failures, f => f.Contains("StreamSegmentSize", StringComparison.Ordinal));
    }

    [Fact]
    public void AddVersionedEnvelope_CalledTwice_RegistersOnce()
    {
        var services = new ServiceCollection();
        services.AddVersionedEnvelope().UseStaticKeys(o => { o.Keys["1"] = Key1; o.ActiveVersion = 1; });
        services.AddVersionedEnvelope().UseStaticKeys();

        Assert.Equal(1, services.Count(d => d.ServiceType == typeof(IEnvelopeEncryptor)));
        Assert.Equal(1, services.Count(d => d.ServiceType == typeof(IValidateOptions<EnvelopeEncryptorOptions>)));
        Assert.Equal(1, services.Count(d => d.ServiceType == typeof(IValidateOptions<StaticKeyRingOptions>)));
        Assert.Equal(1, services.Count(d => d.ServiceType == typeof(VersionedEnvelope.Storage.IKeyRingStore)));
        using var provider = services.BuildServiceProvider();
        Assert.Same(provider.GetRequiredService<IEnvelopeEncryptor>(), provider.GetRequiredService<IEnvelopeEncryptor>());
        Assert.Equal(1, services.Count(d => d.ServiceType == typeof(Microsoft.Extensions.Hosting.IHostedService)));
    }

    [Fact]
    public void Options_EveryProblem_ListedInOneErrorPerOptionsType()
    {
        var services = new ServiceCollection();
        services.AddVersionedEnvelope(o => o.DataKeyCache.MaxMessages = 0)
            .ConfigureKeyRing(o => o.RefreshInterval = TimeSpan.FromSeconds(-1))
            .UseStaticKeys(o =>
            {
                o.Keys["1"] = Convert.ToBase64String(new byte[16]);
                o.Keys["01"] = Key1;
                o.Keys["2"] = "not base64!";
                o.Keys["x"] = Key1;
                o.ActiveVersion = 9;
            });
        using var provider = services.BuildServiceProvider();

        var keys = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<StaticKeyRingOptions>>().Value);
        var encryptor = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<EnvelopeEncryptorOptions>>().Value);
        var ring = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<KeyRingOptions>>().Value);

        Assert.Equal(5, keys.Failures.Count());
        Assert.Contains(keys.Failures, f => f.Contains("16 bytes", StringComparison.Ordinal));
        Assert.Contains(keys.Failures, f => f.Contains("same key version 1", StringComparison.Ordinal));
        Assert.Contains(keys.Failures, f => f.Contains("not valid base64", StringComparison.Ordinal));
        Assert.Contains(keys.Failures, f => f.Contains("an entry's name is not a key version", StringComparison.Ordinal));
        Assert.Contains(keys.Failures, f => f.Contains("ActiveVersion 9", StringComparison.Ordinal));
        Assert.DoesNotContain(keys.Failures, f => f.Contains(Key1, StringComparison.Ordinal));
        Assert.Contains(encryptor.Failures, f => f.Contains("MaxMessages", StringComparison.Ordinal));
        Assert.Contains(ring.Failures, f => f.Contains("RefreshInterval", StringComparison.Ordinal));
    }

    [Fact]
    public void Options_KeysWithoutActiveVersion_Fails()
    {
        var services = new ServiceCollection();
        services.AddVersionedEnvelope().UseStaticKeys(o => o.Keys["1"] = Key1);
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IEnvelopeEncryptor>());

        Assert.Contains(error.Failures, f => f.Contains("ActiveVersion is not set", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PersistKeysToFile_RotatesThroughManagerAndEncryptorFollows()
    {
        string directory = Directory.CreateTempSubdirectory("ve-di-").FullName;
        try
        {
            var rootKey = Storage.FileKeyRingStore.GenerateRootKey();
            using var provider = new ServiceCollection()
                .AddVersionedEnvelope()
                .ConfigureKeyRing(o => o.CreateKeyRingIfMissing = true)
                .PersistKeysToFile(Path.Combine(directory, "ring.json"), _ => (byte[])rootKey.Clone())
                .Services
                .BuildServiceProvider();
            var encryptor = provider.GetRequiredService<IEnvelopeEncryptor>();
            var manager = provider.GetRequiredService<KeyRingManager>();
            string before = encryptor.EncryptString("x");

            await manager.RotateAsync("ops", TestContext.Current.CancellationToken);

            Assert.Equal(2, encryptor.ActiveKeyVersion);
            Assert.Equal("x", encryptor.DecryptString(encryptor.RewrapText(before)));
            Assert.NotNull(provider.GetRequiredService<BatchReencryptor>());
            Assert.True(File.Exists(Path.Combine(directory, "ring.json")));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void AddVersionedEnvelope_NoKeysNoStore_FailsSayingWhatToDo()
    {
        var services = new ServiceCollection();
        services.AddVersionedEnvelope();
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IEnvelopeEncryptor>());

        Assert.Contains("PersistKeysToFile", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddVersionedEnvelope_HostedService_LoadsTheKeyRingWhenTheHostStarts()
    {
        var services = new ServiceCollection();
        services.AddVersionedEnvelope().UseInMemoryKeyRing();
        services.AddVersionedEnvelope();
        using var provider = services.BuildServiceProvider();
        var manager = provider.GetRequiredService<VersionedEnvelope.KeyRingManager>();
        var hosted = provider.GetServices<Microsoft.Extensions.Hosting.IHostedService>().ToList();

        Assert.False(manager.IsLoaded);
        var loader = Assert.Single(hosted);
        await loader.StartAsync(TestContext.Current.CancellationToken);

        Assert.True(manager.IsLoaded);
    }
}
