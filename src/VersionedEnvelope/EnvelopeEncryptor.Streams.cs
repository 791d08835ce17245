using System.Buffers.Binary;
using System.Security.Cryptography;
using VersionedEnvelope.Internal;
using VersionedEnvelope.Streams;

namespace VersionedEnvelope;

// VE1 streams (format 0x02, docs/FORMAT.md): values too large to hold in memory, in segments of EnvelopeEncryptorOptions.StreamSegmentSize.
public sealed partial class EnvelopeEncryptor
{
    private const int StreamRandomLength = Ve1Layout.KeySize + Ve1Layout.NonceSize + EnvelopeStreamFormat.NoncePrefixLength;

    /// <summary>Encrypts a stream into a VE1 stream under the active key version, one segment in memory at a time.</summary>
    /// <param name="plaintext">The readable plaintext, read to its end.</param>
    /// <param name="ciphertext">The writable destination; left open.</param>
    /// <param name="associatedData">Data bound to the ciphertext but not stored in it; the same must be given to decrypt.</param>
    /// <param name="cancellationToken">Stops the copy; the destination then holds an incomplete ciphertext that fails to decrypt.</param>
    /// <returns>The plaintext bytes encrypted.</returns>
    public async Task<long> EncryptAsync(
        Stream plaintext,
        Stream ciphertext,
        ReadOnlyMemory<byte> associatedData = default,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        var encrypting = (EnvelopeEncryptingStream)OpenEncryptStream(ciphertext, associatedData, leaveOpen: true);
        await using (encrypting.ConfigureAwait(false))
        {
            try
            {
                await plaintext.CopyToAsync(encrypting, _streamSegmentSize, cancellationToken).ConfigureAwait(false);
                await encrypting.CompleteAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                // A copy that failed must not end in a last segment: that would make a shorter plaintext look whole.
                encrypting.Abandon();
                throw;
            }

            return encrypting.PlaintextLength;
        }
    }

    /// <summary>Decrypts a VE1 stream into a stream, verifying each segment before its bytes are written.</summary>
    /// <param name="ciphertext">The readable VE1 stream, positioned at its header and read to its end.</param>
    /// <param name="plaintext">The writable destination; left open.</param>
    /// <param name="associatedData">The associated data given to encrypt.</param>
    /// <param name="cancellationToken">Stops the copy.</param>
    /// <returns>The plaintext length, the key version and whether the ciphertext needs re-encryption.</returns>
    /// <exception cref="EnvelopeException">
    /// The ciphertext cannot be read. When a segment fails, the segments before it were written to
    /// <paramref name="plaintext"/> and were authentic, but the whole is not: discard the output.
    /// </exception>
    public async Task<EnvelopeStreamDecryptResult> DecryptAsync(
        Stream ciphertext,
        Stream plaintext,
        ReadOnlyMemory<byte> associatedData = default,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        var decrypting = await OpenDecryptStreamAsync(ciphertext, associatedData, leaveOpen: true, cancellationToken).ConfigureAwait(false);
        await using (decrypting.ConfigureAwait(false))
        {
            long before = decrypting.Position;
            await decrypting.CopyToAsync(plaintext, _streamSegmentSize, cancellationToken).ConfigureAwait(false);
            return new EnvelopeStreamDecryptResult(decrypting.Position - before, decrypting.KeyVersion, decrypting.NeedsReencryption);
        }
    }

    /// <summary>
    /// Opens a write-only stream that encrypts what is written to it into a VE1 stream on <paramref name="ciphertext"/>.
    /// Disposing it writes the last segment: dispose it only when everything was written.
    /// </summary>
    /// <param name="ciphertext">The writable destination.</param>
    /// <param name="associatedData">Data bound to the ciphertext but not stored in it; the same must be given to decrypt.</param>
    /// <param name="leaveOpen">Whether <paramref name="ciphertext"/> stays open when the returned stream is disposed.</param>
    /// <returns>The encrypting stream.</returns>
    public Stream OpenEncryptStream(Stream ciphertext, ReadOnlyMemory<byte> associatedData = default, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        if (!ciphertext.CanWrite)
        {
            throw new ArgumentException("The ciphertext stream must be writable.", nameof(ciphertext));
        }

        var header = new byte[EnvelopeStreamFormat.HeaderLength];
        var cipher = BeginStream(header, associatedData.Span);
        return new EnvelopeEncryptingStream(ciphertext, cipher, header, _streamSegmentSize, leaveOpen);
    }

    /// <summary>
    /// Opens a read-only stream that decrypts a VE1 stream as it is read; seekable when <paramref name="ciphertext"/> is.
    /// Reads the header now; a key version this host has not seen yet is looked for in the store (see <see cref="OpenDecryptStreamAsync"/>).
    /// </summary>
    /// <param name="ciphertext">The readable VE1 stream, positioned at its header.</param>
    /// <param name="associatedData">The associated data given to encrypt.</param>
    /// <param name="leaveOpen">Whether <paramref name="ciphertext"/> stays open when the returned stream is disposed.</param>
    /// <returns>The decrypting stream, which also tells the key version.</returns>
    /// <exception cref="EnvelopeException">The header cannot be read, or its data key not unwrapped.</exception>
    public EnvelopeDecryptingStream OpenDecryptStream(Stream ciphertext, ReadOnlyMemory<byte> associatedData = default, bool leaveOpen = false)
    {
        var header = new byte[EnvelopeStreamFormat.HeaderLength];
        int read = ReadableStream(ciphertext).ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        return CreateDecryptingStream(ciphertext, header.AsSpan(0, read), associatedData.Span, leaveOpen);
    }

    /// <summary>As <see cref="OpenDecryptStream"/>, reading the header and any key version new to this host without blocking a thread.</summary>
    /// <param name="ciphertext">The readable VE1 stream, positioned at its header.</param>
    /// <param name="associatedData">The associated data given to encrypt.</param>
    /// <param name="leaveOpen">Whether <paramref name="ciphertext"/> stays open when the returned stream is disposed.</param>
    /// <param name="cancellationToken">Stops the header read and the key ring reload.</param>
    /// <returns>The decrypting stream, which also tells the key version.</returns>
    /// <exception cref="EnvelopeException">The header cannot be read, or its data key not unwrapped.</exception>
    public async Task<EnvelopeDecryptingStream> OpenDecryptStreamAsync(
        Stream ciphertext,
        ReadOnlyMemory<byte> associatedData = default,
        bool leaveOpen = false,
        CancellationToken cancellationToken = default)
    {
        var header = new byte[EnvelopeStreamFormat.HeaderLength];
        int read = await ReadableStream(ciphertext).ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (EnvelopeStreamFormat.TryGetKeyVersion(header.AsSpan(0, read), out int version) && !_keyRingProvider.Current.TryGetKey(version, out _))
        {
            await _keyRingProvider.GetRingWithAsync(version, cancellationToken).ConfigureAwait(false);
        }

        return CreateDecryptingStream(ciphertext, header.AsSpan(0, read), associatedData.Span, leaveOpen);
    }

    /// <summary>
    /// Moves a VE1 stream to the active key version in place: its first 67 bytes are read, the data key unwrapped and
    /// wrapped anew, and the 67 bytes written back. The segments are not read; a file is flushed to disk.
    /// </summary>
    /// <param name="ciphertext">A readable, writable, seekable stream positioned at the VE1 stream's header; the position is kept.</param>
    /// <param name="cancellationToken">Stops the read or the write.</param>
    /// <returns><see langword="true"/> when rewrapped, <see langword="false"/> when already current (its data key still verified).</returns>
    /// <exception cref="EnvelopeException">The header cannot be read, or its data key does not authenticate.</exception>
    public async Task<bool> RewrapStreamAsync(Stream ciphertext, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        if (!ciphertext.CanRead || !ciphertext.CanWrite || !ciphertext.CanSeek)
        {
            throw new ArgumentException("An in-place rewrap needs a readable, writable and seekable stream.", nameof(ciphertext));
        }

        long start = ciphertext.Position;
        var header = new byte[EnvelopeStreamFormat.HeaderLength];
        int read = await ciphertext.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (EnvelopeStreamFormat.ReadHeader(header.AsSpan(0, read), out int version, out _) != HeaderStatus.Valid)
        {
            throw EnvelopeStreamFormat.HeaderError(header.AsSpan(0, read));
        }

        if (!RewrapHeader(header, EnvelopeStreamFormat.FormatVersion, version))
        {
            ciphertext.Position = start;
            return false;
        }

        ciphertext.Position = start;
        await ciphertext.WriteAsync(header.AsMemory(0, Ve1Layout.HeaderLength), cancellationToken).ConfigureAwait(false);
        if (ciphertext is FileStream file)
        {
            file.Flush(flushToDisk: true);
        }
        else
        {
            await ciphertext.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        ciphertext.Position = start;
        return true;
    }

    /// <summary>Writes a new stream header under the active version and returns the cipher of its segments.</summary>
    internal StreamSegmentCipher BeginStream(Span<byte> header, ReadOnlySpan<byte> associatedData)
    {
        var activeKey = _keyRingProvider.Current.ActiveKey;
        Span<byte> fresh = stackalloc byte[StreamRandomLength];
        try
        {
            // Data key, wrap nonce, nonce prefix: the order the known-answer tests feed them in.
            _random.Fill(fresh);
            var dataKey = fresh[..Ve1Layout.KeySize];
            var wrapNonce = fresh.Slice(Ve1Layout.KeySize, Ve1Layout.NonceSize);
            Ve1Layout.WriteHeader(header, EnvelopeStreamFormat.FormatVersion, activeKey.Version, wrapNonce, dataKey, activeKey.Material!);
            _useCounter?.Add(activeKey.Version);
            BinaryPrimitives.WriteUInt32BigEndian(EnvelopeStreamFormat.SegmentSizeField(header), (uint)_streamSegmentSize);
            fresh[(Ve1Layout.KeySize + Ve1Layout.NonceSize)..].CopyTo(header[EnvelopeStreamFormat.NoncePrefixOffset..]);
            return new StreamSegmentCipher(dataKey, header, associatedData);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(fresh);
        }
    }

    private EnvelopeDecryptingStream CreateDecryptingStream(Stream ciphertext, ReadOnlySpan<byte> header, ReadOnlySpan<byte> associatedData, bool leaveOpen)
    {
        if (EnvelopeStreamFormat.ReadHeader(header, out int version, out int segmentSize) != HeaderStatus.Valid)
        {
            throw EnvelopeStreamFormat.HeaderError(header);
        }

        var ring = _keyRingProvider.Current;
        var key = ResolveDecryptionKey(ref ring, version);
        Span<byte> dataKey = stackalloc byte[Ve1Layout.KeySize];
        StreamSegmentCipher? cipher = null;
        try
        {
            UnwrapDataKey(key, version, header, dataKey);
            cipher = new StreamSegmentCipher(dataKey, header, associatedData);
            return new EnvelopeDecryptingStream(ciphertext, cipher, segmentSize, version, version != ring.ActiveVersion, leaveOpen);
        }
        catch
        {
            cipher?.Dispose();
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    private static Stream ReadableStream(Stream ciphertext)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        return ciphertext.CanRead ? ciphertext : throw new ArgumentException("The ciphertext stream must be readable.", nameof(ciphertext));
    }
}
