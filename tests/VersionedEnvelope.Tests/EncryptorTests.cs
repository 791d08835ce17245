using System.Text;

namespace VersionedEnvelope.Tests;

public sealed class EncryptorTests
{
    private readonly KeyRing _ring = KeyRing.CreateNew();

    [Fact]
    public void EncryptString_WithAssociatedData_RoundTripsAndUsesTextForm()
    {
        var encryptor = new EnvelopeEncryptor(_ring);

        string text = encryptor.EncryptString("sk-live-4f9a", "UserProfile:42:apiKey");

        Assert.StartsWith("ve1:v1:", text, StringComparison.Ordinal);
        Assert.Equal("sk-live-4f9a", encryptor.DecryptString(text, "UserProfile:42:apiKey"));
        Assert.Equal(EnvelopeErrorReason.AuthenticationFailed, Assert.Throws<EnvelopeException>(() => encryptor.DecryptString(text, "UserProfile:43:apiKey")).Reason);
    }

    [Fact]
    public void Encrypt_DestinationTooSmall_ThrowsArgumentException()
    {
        var encryptor = new EnvelopeEncryptor(_ring);
        var destination = new byte[95 + 9];

        Assert.Throws<ArgumentException>(() => encryptor.Encrypt(new byte[10], destination, default));
    }

    [Fact]
    public void Encrypt_NullPlaintext_ThrowsArgumentNullException()
    {
        var encryptor = new EnvelopeEncryptor(_ring);

        Assert.Throws<ArgumentNullException>(() => encryptor.Encrypt((byte[])null!));
        Assert.Throws<ArgumentNullException>(() => encryptor.EncryptString(null!));
        Assert.Throws<ArgumentNullException>(() => encryptor.DecryptText(null!));
    }

    [Fact]
    public void Decrypt_DestinationTooSmall_ThrowsArgumentException()
    {
        var encryptor = new EnvelopeEncryptor(_ring);
        var ciphertext = encryptor.Encrypt(new byte[10]);

        Assert.Throws<ArgumentException>(() => encryptor.Decrypt(ciphertext, new byte[9], default));
    }

    [Fact]
    public void Encrypt_OverlappingBuffers_ThrowsArgumentException()
    {
        var encryptor = new EnvelopeEncryptor(_ring);
        var buffer = new byte[200];

        Assert.Throws<ArgumentException>(() => encryptor.Encrypt(buffer.AsSpan(100, 10), buffer, default));
    }

    [Fact]
    public void Decrypt_SpanOverload_ReportsVersionAndNeedsReencryption()
    {
        var old = new EnvelopeEncryptor(Vectors.KeyRing(activeVersion: 1));
        var current = new EnvelopeEncryptor(Vectors.KeyRing(activeVersion: 2));
        var ciphertext = old.Encrypt(Encoding.UTF8.GetBytes("hello"));
        var destination = new byte[ciphertext.Length];

        var result = current.Decrypt(ciphertext, destination, default);

        Assert.Equal(new EnvelopeDecryptResult(5, 1, needsReencryption: true, isLegacy: false), result);
        Assert.Equal("hello", Encoding.UTF8.GetString(destination, 0, result.BytesWritten));
    }

    [Fact]
    public void Decrypt_RetiredVersion_FailsAsKeyVersionRetired()
    {
        var ring = Vectors.KeyRing(activeVersion: 2);
        var ciphertext = new EnvelopeEncryptor(Vectors.KeyRing(activeVersion: 1)).Encrypt([1, 2, 3]);
        ring.TryGetKey(1, out var v1);
        var retired = new EnvelopeEncryptor(ring.With(v1!.WithState(KeyState.Retired)));

        var error = Assert.Throws<EnvelopeException>(() => retired.Decrypt(ciphertext));

        Assert.Equal(EnvelopeErrorReason.KeyVersionRetired, error.Reason);
        Assert.Equal(1, error.KeyVersion);
    }

    [Fact]
    public void Decrypt_DestroyedVersion_FailsAsUnknownKeyVersion()
    {
        var ring = Vectors.KeyRing(activeVersion: 2);
        var ciphertext = new EnvelopeEncryptor(Vectors.KeyRing(activeVersion: 1)).Encrypt([1, 2, 3]);
        ring.TryGetKey(1, out var v1);
        var destroyed = new EnvelopeEncryptor(ring.With(v1!.WithState(KeyState.Destroyed)));

        Assert.Equal(EnvelopeErrorReason.UnknownKeyVersion, Assert.Throws<EnvelopeException>(() => destroyed.Decrypt(ciphertext)).Reason);
    }

    [Fact]
    public void Decrypt_LargeAssociatedData_RoundTrips()
    {
        var encryptor = new EnvelopeEncryptor(_ring);
        var aad = new byte[10_000];
        Random.Shared.NextBytes(aad);

        var ciphertext = encryptor.Encrypt([9, 9, 9], aad);

        Assert.Equal([9, 9, 9], encryptor.Decrypt(ciphertext, aad).Plaintext);
        aad[^1] ^= 1;
        Assert.Throws<EnvelopeException>(() => encryptor.Decrypt(ciphertext, aad));
    }

    [Fact]
    public void ExceptionMessages_NeverContainPlaintextOrKeyMaterial()
    {
        var encryptor = new EnvelopeEncryptor(_ring);
        string secret = "correct-horse-battery-staple";
        var ciphertext = encryptor.Encrypt(Encoding.UTF8.GetBytes(secret), [1]);
        var keyBytes = new byte[32];
        _ring.ActiveKey.CopyKeyMaterialTo(keyBytes);
        var messages = new List<string>();
        for (int i = 0; i < ciphertext.Length; i++)
        {
            var copy = (byte[])ciphertext.Clone();
            copy[i] ^= 0x80;
            messages.Add(Assert.Throws<EnvelopeException>(() => encryptor.Decrypt(copy, [1])).ToString());
        }

        messages.Add(Assert.Throws<EnvelopeException>(() => encryptor.Decrypt(ciphertext, [2])).ToString());
        foreach (var message in messages)
        {
            Assert.DoesNotContain(secret, message, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToBase64String(keyBytes), message, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToHexString(keyBytes), message, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void ToString_OfKeysRingAndResult_ShowNoSecrets()
    {
        var keyBytes = new byte[32];
        _ring.ActiveKey.CopyKeyMaterialTo(keyBytes);
        var result = new EnvelopeEncryptor(_ring).Decrypt(new EnvelopeEncryptor(_ring).Encrypt(Encoding.UTF8.GetBytes("top-secret")));

        foreach (string text in new[] { _ring.ToString(), _ring.ActiveKey.ToString(), result.ToString() })
        {
            Assert.DoesNotContain(Convert.ToBase64String(keyBytes), text, StringComparison.Ordinal);
            Assert.DoesNotContain("top-secret", text, StringComparison.Ordinal);
        }

        Assert.Equal("v1 (Active)", _ring.ActiveKey.ToString());
    }

    [Fact]
    public async Task EncryptDecrypt_ManyThreadsOneEncryptor_AllResultsCorrect()
    {
        var encryptor = new EnvelopeEncryptor(Vectors.KeyRing(activeVersion: 3));
        var older = new EnvelopeEncryptor(Vectors.KeyRing(activeVersion: 1)).Encrypt([7, 7, 7], new byte[] { 1 });
        var failures = 0;

        await Parallel.ForAsync(0, 8, TestContext.Current.CancellationToken, async (worker, _) =>
        {
            await Task.Yield();
            for (int i = 0; i < 2_000; i++)
            {
                var plaintext = BitConverter.GetBytes((worker * 1_000_000) + i);
                var aad = BitConverter.GetBytes(i);
                var ciphertext = encryptor.Encrypt(plaintext, aad);
                var back = encryptor.Decrypt(ciphertext, aad);
                var old = encryptor.Decrypt(older, new byte[] { 1 });
                if (!back.Plaintext.AsSpan().SequenceEqual(plaintext) || back.KeyVersion != 3 || old.Plaintext[0] != 7 || !old.NeedsReencryption)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        });

        Assert.Equal(0, failures);
    }

    [Fact]
    public void Rewrap_InPlace_ChangesOnlyBytesThreeToSixtySix()
    {
        var ciphertext = new EnvelopeEncryptor(Vectors.KeyRing(activeVersion: 1)).Encrypt(new byte[1000], [5]);
        var original = (byte[])ciphertext.Clone();
        var encryptor = new EnvelopeEncryptor(Vectors.KeyRing(activeVersion: 3));

        Assert.True(encryptor.Rewrap(ciphertext, ciphertext));

        Assert.Equal(3, EnvelopeFormat.GetKeyVersion(ciphertext));
        Assert.Equal(original[..3], ciphertext[..3]);
        Assert.Equal(original[67..], ciphertext[67..]);
        Assert.Equal(new byte[1000], encryptor.Decrypt(ciphertext, [5]).Plaintext);
        Assert.False(encryptor.Rewrap(ciphertext, ciphertext));
    }

    [Fact]
    public void Rewrap_CurrentInput_ReturnsSameInstance()
    {
        var encryptor = new EnvelopeEncryptor(_ring);
        var binary = encryptor.Encrypt([1]);
        var text = encryptor.EncryptToText([1]);

        Assert.Same(binary, encryptor.Rewrap(binary));
        Assert.Same(text, encryptor.RewrapText(text));
    }

    [Fact]
    public void Rewrap_TamperedWrappedKey_FailsAsAuthenticationFailed()
    {
        var ciphertext = new EnvelopeEncryptor(Vectors.KeyRing(activeVersion: 1)).Encrypt([1]);
        ciphertext[30] ^= 1;

        var error = Assert.Throws<EnvelopeException>(() => new EnvelopeEncryptor(Vectors.KeyRing(activeVersion: 2)).Rewrap(ciphertext));

        Assert.Equal(EnvelopeErrorReason.AuthenticationFailed, error.Reason);
    }
}

/// <summary>A decorator implements only the span forms; the array, text and string forms come from the extensions.</summary>
public sealed class DecoratorTests
{
    private sealed class CountingEncryptor(IEnvelopeEncryptor inner) : IEnvelopeEncryptor
    {
        public int Calls { get; private set; }

        public int ActiveKeyVersion => inner.ActiveKeyVersion;

        public int GetCiphertextLength(int plaintextLength) => inner.GetCiphertextLength(plaintextLength);

        public int Encrypt(ReadOnlySpan<byte> plaintext, Span<byte> destination, ReadOnlySpan<byte> associatedData)
        {
            Calls++;
            return inner.Encrypt(plaintext, destination, associatedData);
        }

        public EnvelopeDecryptResult Decrypt(ReadOnlySpan<byte> ciphertext, Span<byte> destination, ReadOnlySpan<byte> associatedData)
        {
            Calls++;
            return inner.Decrypt(ciphertext, destination, associatedData);
        }

        public bool Rewrap(ReadOnlySpan<byte> ciphertext, Span<byte> destination)
        {
            Calls++;
            return inner.Rewrap(ciphertext, destination);
        }
    }

    [Fact]
    public void Extensions_OnADecorator_GoThroughItsSpanForms()
    {
        var decorator = new CountingEncryptor(new EnvelopeEncryptor(KeyRing.CreateNew()));

        string text = decorator.EncryptString("sk-live-4f9a", "UserProfile:42:apiKey");
        byte[] binary = decorator.Encrypt([1, 2, 3], [9]);
        string rewrapped = decorator.RewrapText(text);

        Assert.Equal("sk-live-4f9a", decorator.DecryptString(rewrapped, "UserProfile:42:apiKey"));
        Assert.Equal([1, 2, 3], decorator.Decrypt(binary, [9]).Plaintext);
        Assert.Equal([1, 2, 3], decorator.DecryptText(decorator.EncryptToText([1, 2, 3], [9]), [9]).Plaintext);
        Assert.Same(text, rewrapped);
        Assert.Equal(7, decorator.Calls);
        Assert.Equal(EnvelopeErrorReason.AuthenticationFailed, Assert.Throws<EnvelopeException>(() => decorator.Decrypt(binary, [8])).Reason);
    }
}
