using VersionedEnvelope.Internal;

namespace VersionedEnvelope.Tests;

/// <summary>Hands out fixed bytes in order, so encryption is reproducible for known-answer tests.</summary>
internal sealed class FixedRandomSource(params byte[][] chunks) : IRandomSource
{
    private readonly Queue<byte> _bytes = new(chunks.SelectMany(c => c));

    public void Fill(Span<byte> destination)
    {
        if (_bytes.Count < destination.Length)
        {
            throw new InvalidOperationException("The fixed random source ran out of bytes.");
        }

        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = _bytes.Dequeue();
        }
    }
}
