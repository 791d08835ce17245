using System.Buffers;
using System.Security.Cryptography;

namespace VersionedEnvelope.Internal;

/// <summary>The payload's associated data, bytes 0..2 ‖ the caller's associated data: on the stack when small, pooled otherwise.</summary>
internal ref struct PayloadAad
{
    private byte[]? _rented;

    public PayloadAad(ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> associatedData, Span<byte> stackBuffer)
    {
        int length = prefix.Length + associatedData.Length;
        Span<byte> buffer = length <= stackBuffer.Length ? stackBuffer : (_rented = ArrayPool<byte>.Shared.Rent(length));
        prefix.CopyTo(buffer);
        associatedData.CopyTo(buffer[prefix.Length..]);
        Value = buffer[..length];
    }

    public ReadOnlySpan<byte> Value { get; }

    public void Dispose()
    {
        if (_rented is not null)
        {
            CryptographicOperations.ZeroMemory(_rented);
            ArrayPool<byte>.Shared.Return(_rented);
            _rented = null;
        }
    }
}
