using System.Buffers;
using System.Security.Cryptography;

namespace VersionedEnvelope.Streams;

/// <summary>
/// A write-only stream that encrypts what is written to it into a VE1 stream on the inner stream, one segment at a time.
/// Disposing it writes the last segment; until then the output is not a complete ciphertext.
/// </summary>
/// <remarks>
/// A full segment is held back until the next byte arrives, because the last segment carries a flag and a plaintext of
/// exactly k segments ends with a full one. Memory: two buffers of one segment each, from <see cref="ArrayPool{T}"/>.
/// </remarks>
internal sealed class EnvelopeEncryptingStream : Stream
{
    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private readonly StreamSegmentCipher _cipher;
    private readonly int _segmentSize;
    private readonly byte[] _header;
    private readonly byte[] _tag = new byte[EnvelopeStreamFormat.SegmentOverhead];
    private byte[]? _plaintext;
    private int _filled;
    private uint _index;
    private bool _completed;

    public EnvelopeEncryptingStream(Stream inner, StreamSegmentCipher cipher, byte[] header, int segmentSize, bool leaveOpen)
    {
        _inner = inner;
        _cipher = cipher;
        _segmentSize = segmentSize;
        _leaveOpen = leaveOpen;
        _header = header;
        _plaintext = ArrayPool<byte>.Shared.Rent(segmentSize);
    }

    /// <summary>Plaintext bytes written so far.</summary>
    public long PlaintextLength { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => _plaintext is not null && !_completed;

    public override long Length => throw new NotSupportedException("An encrypting stream has no length; it is written once, front to back.");

    public override long Position
    {
        get => throw new NotSupportedException("An encrypting stream cannot seek.");
        set => throw new NotSupportedException("An encrypting stream cannot seek.");
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ThrowIfNotWritable();
        while (!buffer.IsEmpty)
        {
            if (_filled == _segmentSize)
            {
                WriteSegment(last: false);
            }

            buffer = Fill(buffer);
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfNotWritable();
        while (!buffer.IsEmpty)
        {
            if (_filled == _segmentSize)
            {
                await WriteSegmentAsync(last: false, cancellationToken).ConfigureAwait(false);
            }

            int taken = buffer.Length - Fill(buffer.Span).Length;
            buffer = buffer[taken..];
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Nothing to flush before the end: a segment is written once it is known not to be the last.</summary>
    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("An encrypting stream is write-only.");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("An encrypting stream cannot seek.");

    public override void SetLength(long value) => throw new NotSupportedException("An encrypting stream cannot seek.");

    /// <summary>Writes the last segment and flushes the inner stream.</summary>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        ThrowIfNotWritable();
        _completed = true;
        await WriteSegmentAsync(last: true, cancellationToken).ConfigureAwait(false);
        await _inner.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ends the stream without its last segment (the copy that fed it failed): the output stays incomplete and fails to decrypt.</summary>
    public void Abandon() => _completed = true;

    protected override void Dispose(bool disposing)
    {
        try
        {
            if (disposing && _plaintext is not null && !_completed)
            {
                _completed = true;
                WriteSegment(last: true);
                _inner.Flush();
            }
        }
        finally
        {
            Release(disposing);
            if (disposing && !_leaveOpen)
            {
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        try
        {
            if (_plaintext is not null && !_completed)
            {
                await CompleteAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            // Completed (or abandoned) by now: the base class's Dispose only releases the buffers and the inner stream.
            _completed = true;
            await base.DisposeAsync().ConfigureAwait(false);
        }
    }

    private ReadOnlySpan<byte> Fill(ReadOnlySpan<byte> buffer)
    {
        int count = Math.Min(_segmentSize - _filled, buffer.Length);
        buffer[..count].CopyTo(_plaintext.AsSpan(_filled));
        _filled += count;
        PlaintextLength += count;
        return buffer[count..];
    }

    private void WriteSegment(bool last)
    {
        bool first = _index == 0;
        int length = Seal(last);
        if (first)
        {
            _inner.Write(_header);
        }

        _inner.Write(_plaintext.AsSpan(0, length));
        _inner.Write(_tag);
    }

    private async ValueTask WriteSegmentAsync(bool last, CancellationToken cancellationToken)
    {
        bool first = _index == 0;
        int length = Seal(last);
        if (first)
        {
            await _inner.WriteAsync(_header, cancellationToken).ConfigureAwait(false);
        }

        await _inner.WriteAsync(_plaintext.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        await _inner.WriteAsync(_tag, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Encrypts the buffered plaintext in place as the next segment; returns its length without the tag.</summary>
    private int Seal(bool last)
    {
        if (!last && _index == uint.MaxValue)
        {
            throw new InvalidOperationException("A VE1 stream holds at most 2^32 segments; use a larger segment size for this much data.");
        }

        int length = _filled;
        _cipher.Seal(_index, last, _plaintext.AsSpan(0, length), _tag);
        _filled = 0;
        _index++;
        return length;
    }

    private void ThrowIfNotWritable()
    {
        ObjectDisposedException.ThrowIf(_plaintext is null, this);
        if (_completed)
        {
            throw new InvalidOperationException("The VE1 stream is complete; nothing more can be written to it.");
        }
    }

    private void Release(bool disposing)
    {
        if (_plaintext is not null)
        {
            CryptographicOperations.ZeroMemory(_plaintext);
            ArrayPool<byte>.Shared.Return(_plaintext);
            _plaintext = null;
        }

        if (disposing)
        {
            _cipher.Dispose();
        }
    }
}
