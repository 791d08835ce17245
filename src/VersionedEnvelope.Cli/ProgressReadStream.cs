using System.Globalization;

namespace VersionedEnvelope.Cli;

/// <summary>A read-only pass-through that reports on stderr each tenth of a large file read.</summary>
internal sealed class ProgressReadStream(Stream inner, long total, TextWriter report, string verb) : Stream
{
    private long _read;
    private int _reportedTenths;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => total;

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Count(int read)
    {
        _read += read;
        int tenths = total == 0 ? 10 : (int)(_read * 10 / total);
        if (tenths > _reportedTenths)
        {
            _reportedTenths = tenths;
            report.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{verb} {_read >> 20:N0} of {total >> 20:N0} MiB ({tenths * 10}%)"));
        }

        return read;
    }
}
