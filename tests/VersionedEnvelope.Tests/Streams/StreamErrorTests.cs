using System.IO.Pipes;
using VersionedEnvelope.Streams;

namespace VersionedEnvelope.Tests.Streams;

public sealed class StreamErrorTests
{
    private static readonly EnvelopeEncryptorOptions Options = new() { StreamSegmentSize = 1024 };
    private readonly EnvelopeEncryptor _encryptor = new(new StaticKeyRingProvider(StreamVectors.KeyRing()), Options);

    [Fact]
    public async Task DecryptAsync_AVe1Message_FailsAsUnsupportedFormatNamingTheMessageApi()
    {
        var message = _encryptor.Encrypt(new byte[200]);

        var error = await Assert.ThrowsAsync<EnvelopeException>(() =>
            _encryptor.DecryptAsync(new MemoryStream(message), Stream.Null, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(EnvelopeErrorReason.UnsupportedFormat, error.Reason);
        Assert.Contains("Decrypt", error.Message, StringComparison.Ordinal);
        Assert.Contains("VE1 message", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decrypt_AVe1StreamAsBytes_FailsAsUnsupportedFormatNamingTheStreamApi()
    {
        var stream = StreamVectors.Case("three-segments").Hex("ciphertextHex");

        var error = Assert.Throws<EnvelopeException>(() => _encryptor.Decrypt(stream));

        Assert.Equal(EnvelopeErrorReason.UnsupportedFormat, error.Reason);
        Assert.Contains("DecryptAsync(Stream, Stream)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenDecryptStreamAsync_UnknownVersion_FailsAsUnknownKeyVersion()
    {
        var ciphertext = Encrypt(_encryptor, new byte[3000]);
        var onlyV1 = new EnvelopeEncryptor(StreamVectors.KeyRing(activeVersion: 1).With(StreamVectors.KeyRing().ActiveKey.WithState(KeyState.Destroyed)));

        var error = await Assert.ThrowsAsync<EnvelopeException>(() =>
            onlyV1.OpenDecryptStreamAsync(new MemoryStream(ciphertext), cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(EnvelopeErrorReason.UnknownKeyVersion, error.Reason);
        Assert.Equal(7, error.KeyVersion);
    }

    [Fact]
    public void OpenDecryptStream_RetiredVersion_FailsAsKeyVersionRetired()
    {
        var ciphertext = Encrypt(new EnvelopeEncryptor(new StaticKeyRingProvider(StreamVectors.KeyRing(activeVersion: 1)), Options), new byte[10]);
        var ring = StreamVectors.KeyRing();
        ring.TryGetKey(1, out var v1);
        var retired = new EnvelopeEncryptor(ring.With(v1!.WithState(KeyState.Retired)));

        var error = Assert.Throws<EnvelopeException>(() => retired.OpenDecryptStream(new MemoryStream(ciphertext)));

        Assert.Equal(EnvelopeErrorReason.KeyVersionRetired, error.Reason);
    }

    [Fact]
    public async Task DecryptAsync_WrongAssociatedData_FailsAsAuthenticationFailed()
    {
        var ciphertext = Encrypt(_encryptor, new byte[3000], "attachment:42"u8.ToArray());

        var error = await Assert.ThrowsAsync<EnvelopeException>(() => _encryptor.DecryptAsync(
            new MemoryStream(ciphertext), Stream.Null, "attachment:43"u8.ToArray(), TestContext.Current.CancellationToken));

        Assert.Equal(EnvelopeErrorReason.AuthenticationFailed, error.Reason);
    }

    [Fact]
    public void DecryptingStream_ALaterSegmentFails_HandsOutTheAuthenticSegmentsBeforeItThenThrowsAgainOnEveryRead()
    {
        var plaintext = Enumerable.Range(0, 3000).Select(i => (byte)i).ToArray();
        var ciphertext = Encrypt(_encryptor, plaintext);
        ciphertext[EnvelopeStreamFormat.HeaderLength + 1040 + 5] ^= 1;
        using var decrypting = _encryptor.OpenDecryptStream(new ForwardOnlyStream(ciphertext));
        var first = new byte[1024];

        decrypting.ReadExactly(first);
        var error = Assert.Throws<EnvelopeException>(() => decrypting.ReadByte());
        var again = Assert.Throws<EnvelopeException>(() => decrypting.ReadByte());

        Assert.Equal(plaintext[..1024], first);
        Assert.Equal(EnvelopeErrorReason.AuthenticationFailed, error.Reason);
        Assert.Contains("Segment 1", error.Message, StringComparison.Ordinal);
        Assert.Same(error, again);
    }

    [Fact]
    public async Task EncryptAsync_SourceFailsMidway_LeavesACiphertextThatFailsToDecrypt()
    {
        using var ciphertext = new MemoryStream();
        var failing = new FailingAfterStream(new byte[5000], failAfter: 2500);

        await Assert.ThrowsAsync<IOException>(() => _encryptor.EncryptAsync(failing, ciphertext, cancellationToken: TestContext.Current.CancellationToken));
        var error = await Assert.ThrowsAsync<EnvelopeException>(() => _encryptor.DecryptAsync(
            new MemoryStream(ciphertext.ToArray()), Stream.Null, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(EnvelopeErrorReason.AuthenticationFailed, error.Reason);
    }

    [Fact]
    public void EncryptingStream_WriteAfterDispose_Throws()
    {
        var encrypting = _encryptor.OpenEncryptStream(new MemoryStream());
        encrypting.Dispose();

        Assert.Throws<ObjectDisposedException>(() => encrypting.Write([1]));
        Assert.False(encrypting.CanWrite);
    }

    [Theory]
    [InlineData(1023)]
    [InlineData(16 * 1024 * 1024 + 1)]
    public void Constructor_SegmentSizeOutOfRange_Throws(int segmentSize)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new EnvelopeEncryptor(new StaticKeyRingProvider(StreamVectors.KeyRing()), new EnvelopeEncryptorOptions { StreamSegmentSize = segmentSize }));

        Assert.Equal("options", error.ParamName);
    }

    [Fact]
    public async Task RewrapStreamAsync_CurrentStreamWithATamperedWrappedKey_FailsAsAuthenticationFailedAndWritesNothing()
    {
        var ciphertext = Encrypt(_encryptor, new byte[100]);
        ciphertext[30] ^= 0x40;
        using var file = new MemoryStream();
        file.Write(ciphertext);
        file.Position = 0;

        var error = await Assert.ThrowsAsync<EnvelopeException>(() => _encryptor.RewrapStreamAsync(file, TestContext.Current.CancellationToken));

        Assert.Equal(EnvelopeErrorReason.AuthenticationFailed, error.Reason);
        Assert.Equal(ciphertext, file.ToArray());
    }

    [Fact]
    public async Task RewrapStreamAsync_OnAFileInPlace_MovesTheHeaderAndKeepsTheRest()
    {
        string path = Path.Combine(Path.GetTempPath(), $"ve-stream-{Guid.NewGuid():N}.bin");
        try
        {
            var original = Encrypt(new EnvelopeEncryptor(new StaticKeyRingProvider(StreamVectors.KeyRing(activeVersion: 2)), Options), new byte[5000]);
            await File.WriteAllBytesAsync(path, original, TestContext.Current.CancellationToken);
            await using (var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
            {
                Assert.True(await _encryptor.RewrapStreamAsync(file, TestContext.Current.CancellationToken));
                Assert.False(await _encryptor.RewrapStreamAsync(file, TestContext.Current.CancellationToken));
            }

            var rewrapped = await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken);
            Assert.Equal(7, await EnvelopeStreamFormat.ReadKeyVersionAsync(new MemoryStream(rewrapped), TestContext.Current.CancellationToken));
            Assert.Equal(original.AsSpan(67), rewrapped.AsSpan(67));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Rewrap_CurrentVe1MessageWithATamperedWrappedKey_FailsAsAuthenticationFailed()
    {
        var ciphertext = _encryptor.Encrypt(new byte[10]);
        ciphertext[25] ^= 1;

        var error = Assert.Throws<EnvelopeException>(() => _encryptor.Rewrap(ciphertext));
        var text = Assert.Throws<EnvelopeException>(() => _encryptor.RewrapText(EnvelopeFormat.ToText(ciphertext)));

        Assert.Equal(EnvelopeErrorReason.AuthenticationFailed, error.Reason);
        Assert.Equal(EnvelopeErrorReason.AuthenticationFailed, text.Reason);
    }

    [Fact]
    public async Task ReadKeyVersionAsync_NotAStream_FailsWithItsReason()
    {
        var message = _encryptor.Encrypt(new byte[10]);

        var error = await Assert.ThrowsAsync<EnvelopeException>(() =>
            EnvelopeStreamFormat.ReadKeyVersionAsync(new MemoryStream(message), TestContext.Current.CancellationToken).AsTask());
        var empty = await Assert.ThrowsAsync<EnvelopeException>(() =>
            EnvelopeStreamFormat.ReadKeyVersionAsync(new MemoryStream(), TestContext.Current.CancellationToken).AsTask());

        Assert.Equal(EnvelopeErrorReason.UnsupportedFormat, error.Reason);
        Assert.Equal(EnvelopeErrorReason.Malformed, empty.Reason);
    }

    [Fact]
    public void KeyUsageInventory_AWholeStreamInMemory_CountsUnderItsVersion()
    {
        var inventory = KeyUsageInventory.Scan([Encrypt(_encryptor, new byte[2000]), _encryptor.Encrypt(new byte[1])]);

        Assert.Equal(2, inventory.CountsByVersion[7]);
        Assert.Equal(0, inventory.Malformed + inventory.Legacy);
    }

    /// <summary>
    /// 4 GiB of generated plaintext through an OS pipe: one thread encrypts into it, another decrypts from it (the
    /// ciphertext is never stored). Each thread's allocations stay within two segments and a constant.
    /// </summary>
    [Fact]
    public void FourGiBThroughAPipe_RoundTripsWithMemoryOfTwoSegments()
    {
        const long Total = 4L << 30;
        var encryptor = new EnvelopeEncryptor(StreamVectors.KeyRing());
        using var server = new AnonymousPipeServerStream(PipeDirection.Out);
        using var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        long encryptAllocated = 0, decryptAllocated = 0, decrypted = 0;
        bool matches = true;

        var writer = new Thread(() =>
        {
            var chunk = new byte[EnvelopeStreamFormat.DefaultSegmentSize];
            long before = GC.GetAllocatedBytesForCurrentThread();
            using (var encrypting = encryptor.OpenEncryptStream(server, leaveOpen: true))
            {
                for (long written = 0; written < Total; written += chunk.Length)
                {
                    Pattern(written, chunk);
                    encrypting.Write(chunk);
                }
            }

            encryptAllocated = GC.GetAllocatedBytesForCurrentThread() - before;
            server.Dispose();
        });
        var reader = new Thread(() =>
        {
            var chunk = new byte[EnvelopeStreamFormat.DefaultSegmentSize];
            var expected = new byte[chunk.Length];
            long before = GC.GetAllocatedBytesForCurrentThread();
            using var decrypting = encryptor.OpenDecryptStream(client, leaveOpen: true);
            int read;
            while ((read = decrypting.ReadAtLeast(chunk, chunk.Length, throwOnEndOfStream: false)) > 0)
            {
                Pattern(decrypted, expected);
                matches &= chunk.AsSpan(0, read).SequenceEqual(expected.AsSpan(0, read));
                decrypted += read;
            }

            decryptAllocated = GC.GetAllocatedBytesForCurrentThread() - before;
        });
        writer.Start();
        reader.Start();
        writer.Join();
        reader.Join();

        const int Constant = 64 * 1024;
        TestContext.Current.TestOutputHelper?.WriteLine($"allocated while encrypting {encryptAllocated:N0} B, while decrypting {decryptAllocated:N0} B");
        Assert.Equal(Total, decrypted);
        Assert.True(matches);

        // A debug build of the library keeps its async state machines as objects, made anew for each segment read: short-lived
        // garbage, a few hundred bytes a segment. What ships (optimised) allocates nothing a segment.
        long perSegment = IsOptimized(typeof(EnvelopeEncryptor).Assembly) ? 0 : 512 * (Total / EnvelopeStreamFormat.DefaultSegmentSize);
        Assert.InRange(encryptAllocated, 0, (2 * (EnvelopeStreamFormat.DefaultSegmentSize + 16 + EnvelopeStreamFormat.HeaderLength)) + Constant);
        Assert.InRange(decryptAllocated, 0, (2 * (EnvelopeStreamFormat.DefaultSegmentSize + 16 + 1)) + Constant + perSegment);
    }

    private static bool IsOptimized(System.Reflection.Assembly assembly) =>
        assembly.GetCustomAttributes(typeof(System.Diagnostics.DebuggableAttribute), false) is not [System.Diagnostics.DebuggableAttribute { IsJITOptimizerDisabled: true }];

    private static void Pattern(long offset, byte[] chunk)
    {
        for (int i = 0; i < chunk.Length; i += 8)
        {
            BitConverter.TryWriteBytes(chunk.AsSpan(i), offset + i);
        }
    }

    private static byte[] Encrypt(EnvelopeEncryptor encryptor, byte[] plaintext, byte[]? associatedData = null)
    {
        using var ciphertext = new MemoryStream();
        encryptor.EncryptAsync(new MemoryStream(plaintext), ciphertext, associatedData).GetAwaiter().GetResult();
        return ciphertext.ToArray();
    }

    private sealed class FailingAfterStream(byte[] data, int failAfter) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => data.Length;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position >= failAfter)
            {
                throw new IOException("The source failed.");
            }

            int n = Math.Min(count, failAfter - _position);
            data.AsSpan(_position, n).CopyTo(buffer.AsSpan(offset));
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
