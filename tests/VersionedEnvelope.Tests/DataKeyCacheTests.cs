using Microsoft.Extensions.Time.Testing;

namespace VersionedEnvelope.Tests;

public sealed class DataKeyCacheTests
{
    private static EnvelopeEncryptor Create(KeyRing ring, int maxMessages, TimeSpan maxAge, TimeProvider time)
    {
        var options = new EnvelopeEncryptorOptions();
        options.DataKeyCache.Enabled = true;
        options.DataKeyCache.MaxMessages = maxMessages;
        options.DataKeyCache.MaxAge = maxAge;
        return new EnvelopeEncryptor(new StaticKeyRingProvider(ring), options, time);
    }

    [Fact]
    public void Encrypt_WithinMessageBound_ReusesWrappedKeyButNotNonce()
    {
        var ring = KeyRing.CreateNew();
        var encryptor = Create(ring, maxMessages: 3, TimeSpan.FromMinutes(1), new FakeTimeProvider());

        var c = Enumerable.Range(0, 4).Select(_ => encryptor.Encrypt([1, 2, 3])).ToArray();

        Assert.Equal(c[0][..67], c[1][..67]);
        Assert.Equal(c[0][..67], c[2][..67]);
        Assert.NotEqual(c[0][..67], c[3][..67]);
        Assert.NotEqual(c[0][67..79], c[1][67..79]);
        var plain = new EnvelopeEncryptor(ring);
        Assert.All(c, ciphertext => Assert.Equal([1, 2, 3], plain.Decrypt(ciphertext).Plaintext));
    }

    [Fact]
    public void Encrypt_AfterMaxAge_UsesNewDataKey()
    {
        var time = new FakeTimeProvider();
        var encryptor = Create(KeyRing.CreateNew(), maxMessages: 1000, TimeSpan.FromSeconds(30), time);

        var first = encryptor.Encrypt([1]);
        time.Advance(TimeSpan.FromSeconds(29));
        var second = encryptor.Encrypt([1]);
        time.Advance(TimeSpan.FromSeconds(2));
        var third = encryptor.Encrypt([1]);

        Assert.Equal(first[..67], second[..67]);
        Assert.NotEqual(first[..67], third[..67]);
    }

    [Theory]
    [InlineData(0, 60)]
    [InlineData(DataKeyCacheOptions.MaxMessagesLimit + 1, 60)]
    [InlineData(10, 0)]
    [InlineData(10, 3601)]
    public void Constructor_BoundsOutOfRange_Throws(int maxMessages, int maxAgeSeconds)
    {
        var error = Assert.Throws<ArgumentException>(() => Create(KeyRing.CreateNew(), maxMessages, TimeSpan.FromSeconds(maxAgeSeconds), TimeProvider.System));

        Assert.Contains(maxAgeSeconds is 0 or 3601 ? "MaxAge" : "MaxMessages", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Encrypt_ConcurrentWithCache_AllDecrypt()
    {
        var ring = KeyRing.CreateNew();
        var encryptor = Create(ring, maxMessages: 7, TimeSpan.FromMinutes(1), TimeProvider.System);
        var plain = new EnvelopeEncryptor(ring);
        int failures = 0;

        await Parallel.ForAsync(0, 4, TestContext.Current.CancellationToken, async (w, _) =>
        {
            await Task.Yield();
            for (int i = 0; i < 2000; i++)
            {
                var p = BitConverter.GetBytes(i + (w * 10_000));
                if (!plain.Decrypt(encryptor.Encrypt(p)).Plaintext.AsSpan().SequenceEqual(p))
                {
                    Interlocked.Increment(ref failures);
                }
            }
        });

        Assert.Equal(0, failures);
    }
}
