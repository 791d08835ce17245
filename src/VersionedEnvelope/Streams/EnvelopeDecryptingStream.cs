using System.Buffers;
using System.Security.Cryptography;

namespace VersionedEnvelope.Streams;

/// <summary>
/// A read-only stream over a VE1 stream ciphertext that decrypts as it is read, one segment at a time.
/// </summary>
/// <remarks>
/// Seekable when the ciphertext stream is: a range of a large ciphertext is read without the rest. Made by <see
/// cref="EnvelopeEncryptor.OpenDecryptStream"/>.
/// <para/>
/// A segment's bytes are handed out only after its tag verified. When a later segment fails (the ciphertext was
/// truncated, reordered, extended or changed), the read that reaches it throws an <see cref="EnvelopeException"/> with
/// <see cref="EnvelopeErrorReason.AuthenticationFailed"/>: every byte returned before it was authentic, but the whole is
/// not, so discard what was read. Memory: one segment from <see cref="ArrayPool{T}"/>, decrypted in place. Reading to the
/// end always verifies the last segment, so a ciphertext cut at a segment boundary fails there.
/// </remarks>
public sealed class EnvelopeDecryptingStream : Stream
{
    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private readonly StreamSegmentCipher _cipher;
    private readonly int _segmentSize;
    private readonly long _start;
    private readonly long _segmentCount;
    private readonly int _lastSegmentLength;
    private readonly long _length;
    private readonly byte[] _tail = new byte[EnvelopeStreamFormat.SegmentOverhead + 1];
    private byte[]? _plaintext;
    private long _position;
    private long _loadedIndex = -1;
    private int _loadedLength;
    private bool _loadedIsLast;
    private bool _hasCarry;
    private byte _carry;
    private bool _lastVerified;
    private EnvelopeException? _failure;

    internal EnvelopeDecryptingStream(Stream inner, StreamSegmentCipher cipher, int segmentSize, int keyVersion, bool needsReencryption, bool leaveOpen)
    {
        _inner = inner;
        _cipher = cipher;
        _segmentSize = segmentSize;
        _leaveOpen = leaveOpen;
        KeyVersion = keyVersion;
        NeedsReencryption = needsReencryption;
        if (inner.CanSeek)
        {
            // The ciphertext's length fixes the segments: every one but the last is full, the last holds at least its tag.
            _start = inner.Position;
            long body = inner.Length - _start;
            if (body < EnvelopeStreamFormat.SegmentOverhead)
            {
                throw Truncated(0);
            }

            long stride = SegmentStride;
            _segmentCount = (body + stride - 1) / stride;
            _lastSegmentLength = (int)(body - ((_segmentCount - 1) * stride));
            if (_lastSegmentLength < EnvelopeStreamFormat.SegmentOverhead || _segmentCount > (long)uint.MaxValue + 1)
            {
                throw Truncated(_segmentCount - 1);
            }

            _length = ((_segmentCount - 1) * segmentSize) + _lastSegmentLength - EnvelopeStreamFormat.SegmentOverhead;
        }

        _plaintext = ArrayPool<byte>.Shared.Rent(segmentSize);
    }

    /// <summary>The key version that protects the ciphertext.</summary>
    public int KeyVersion { get; }

    /// <summary><see langword="true"/> when that version is not the active one: rewrap the ciphertext.</summary>
    public bool NeedsReencryption { get; }

    /// <inheritdoc />
    public override bool CanRead => _plaintext is not null;

    /// <inheritdoc />
    public override bool CanSeek => _plaintext is not null && _inner.CanSeek;

    /// <inheritdoc />
    public override bool CanWrite => false;

    /// <summary>The plaintext's length, known from the ciphertext's length when the ciphertext stream can seek.</summary>
    /// <exception cref="NotSupportedException">The ciphertext stream cannot seek.</exception>
    public override long Length => _inner.CanSeek ? _length : throw NotSeekable();

    /// <summary>The position in the plaintext.</summary>
    /// <exception cref="NotSupportedException">Set when the ciphertext stream cannot seek.</exception>
    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    private long SegmentStride => (long)_segmentSize + EnvelopeStreamFormat.SegmentOverhead;

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_plaintext is null, this);
        return buffer.IsEmpty || !Load() ? 0 : CopyOut(buffer);
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_plaintext is null, this);
        return buffer.IsEmpty || !await LoadAsync(useAsync: true, cancellationToken).ConfigureAwait(false) ? 0 : CopyOut(buffer.Span);
    }

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin)
    {
        ObjectDisposedException.ThrowIf(_plaintext is null, this);
        if (!_inner.CanSeek)
        {
            throw NotSeekable();
        }

        long target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => _length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        ArgumentOutOfRangeException.ThrowIfNegative(target, nameof(offset));
        _position = target;
        return target;
    }

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException("A decrypting stream is read-only.");

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("A decrypting stream is read-only.");

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing && _plaintext is not null)
        {
            CryptographicOperations.ZeroMemory(_plaintext);
            ArrayPool<byte>.Shared.Return(_plaintext);
            _plaintext = null;
            _cipher.Dispose();
            if (!_leaveOpen)
            {
                _inner.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    /// <summary>The synchronous load: the shared code path with the ciphertext stream's synchronous reads, which always completes at once.</summary>
    private bool Load()
    {
        var pending = LoadAsync(useAsync: false, CancellationToken.None);
        return pending.IsCompleted ? pending.Result : throw new InvalidOperationException("A synchronous segment load did not complete synchronously.");
    }

    /// <summary>Makes the segment under the position the loaded one; false at the end of the plaintext.</summary>
    private async ValueTask<bool> LoadAsync(bool useAsync, CancellationToken cancellationToken)
    {
        if (_failure is not null)
        {
            throw _failure;
        }

        if (_inner.CanSeek)
        {
            // At the end, the last segment is verified even when nothing of it is read (an empty plaintext, a seek to the end).
            bool atEnd = _position >= _length;
            long index = atEnd ? _segmentCount - 1 : _position / _segmentSize;
            if (index != _loadedIndex && !(atEnd && _lastVerified))
            {
                bool last = index == _segmentCount - 1;
                int body = (last ? _lastSegmentLength : (int)SegmentStride) - EnvelopeStreamFormat.SegmentOverhead;
                _inner.Position = _start + (index * SegmentStride);
                int read = await ReadInnerAsync(_plaintext.AsMemory(0, body), useAsync, cancellationToken).ConfigureAwait(false);
                read += await ReadInnerAsync(_tail.AsMemory(0, EnvelopeStreamFormat.SegmentOverhead), useAsync, cancellationToken).ConfigureAwait(false);
                Open(index, last, read == body + EnvelopeStreamFormat.SegmentOverhead ? body : throw Truncated(index), _tail);
            }

            return !atEnd;
        }

        if (_loadedIndex >= 0 && _position - (_loadedIndex * _segmentSize) < _loadedLength)
        {
            return true;
        }

        if (_loadedIsLast)
        {
            return false;
        }

        // Read one byte past a full segment: the ciphertext ending right there is what marks the segment as last.
        int filled = 0;
        if (_hasCarry)
        {
            _plaintext![0] = _carry;
            filled = 1;
        }

        filled += await ReadInnerAsync(_plaintext.AsMemory(filled, _segmentSize - filled), useAsync, cancellationToken).ConfigureAwait(false);
        int total = filled == _segmentSize ? filled + await ReadInnerAsync(_tail, useAsync, cancellationToken).ConfigureAwait(false) : filled;
        bool isLast = total <= SegmentStride;
        long next = _loadedIndex + 1;
        int length = isLast ? total : (int)SegmentStride;
        if (length < EnvelopeStreamFormat.SegmentOverhead)
        {
            throw _failure = Truncated(next);
        }

        // The tag is the segment's last 16 bytes: at the end of the segment buffer, in the tail, or across both.
        int bodyLength = length - EnvelopeStreamFormat.SegmentOverhead;
        Span<byte> tag = stackalloc byte[EnvelopeStreamFormat.SegmentOverhead];
        for (int i = 0; i < tag.Length; i++)
        {
            int at = bodyLength + i;
            tag[i] = at < _segmentSize ? _plaintext![at] : _tail[at - _segmentSize];
        }

        _hasCarry = !isLast;
        _carry = _tail[EnvelopeStreamFormat.SegmentOverhead];
        Open(next, isLast, bodyLength, tag);
        return _loadedLength > 0;
    }

    private ValueTask<int> ReadInnerAsync(Memory<byte> buffer, bool useAsync, CancellationToken cancellationToken) => useAsync
        ? _inner.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken)
        : new(_inner.ReadAtLeast(buffer.Span, buffer.Length, throwOnEndOfStream: false));

    /// <summary>Decrypts segment <paramref name="index"/> in place, or throws without handing out any of it.</summary>
    private void Open(long index, bool last, int bodyLength, ReadOnlySpan<byte> tag)
    {
        _loadedIndex = -1;
        if (index > uint.MaxValue)
        {
            throw _failure = Truncated(index);
        }

        if (!_cipher.TryOpen((uint)index, last, _plaintext.AsSpan(0, bodyLength), tag[..EnvelopeStreamFormat.SegmentOverhead]))
        {
            throw _failure = new EnvelopeException(EnvelopeErrorReason.AuthenticationFailed, $"Segment {index} of a VE1 stream under key version "
                + $"{KeyVersion} failed authentication: the stream was truncated, reordered, extended or changed, or the associated data differs. "
                + "What was read before it was authentic, but the whole is not: discard it.", KeyVersion);
        }

        _loadedIndex = index;
        _loadedLength = bodyLength;
        _loadedIsLast = last;
        _lastVerified |= last;
    }

    private int CopyOut(Span<byte> buffer)
    {
        int offset = (int)(_position - (_loadedIndex * _segmentSize));
        int count = Math.Min(buffer.Length, _loadedLength - offset);
        _plaintext.AsSpan(offset, count).CopyTo(buffer);
        _position += count;
        return count;
    }

    private EnvelopeException Truncated(long index) => index == 0
        ? new EnvelopeException(EnvelopeErrorReason.Malformed, $"The VE1 stream under key version {KeyVersion} ends before its first segment's tag: "
            + "it is a header without segments, or cut short.", KeyVersion)
        : new EnvelopeException(EnvelopeErrorReason.AuthenticationFailed, $"The VE1 stream under key version {KeyVersion} ends inside segment "
            + $"{index}: it was truncated or extended.", KeyVersion);

    private static NotSupportedException NotSeekable() =>
        new("The ciphertext stream cannot seek, so neither can its decrypting stream; read it front to back.");
}
