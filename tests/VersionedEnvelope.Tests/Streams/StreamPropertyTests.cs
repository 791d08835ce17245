using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VersionedEnvelope.Streams;

namespace VersionedEnvelope.Tests.Streams;

public sealed class StreamPropertyTests
{
    private const int Segment = 1024;
    private static readonly EnvelopeEncryptorOptions Options = new() { StreamSegmentSize = Segment };
    private static readonly EnvelopeEncryptor Old = new(new StaticKeyRingProvider(StreamVectors.KeyRing(activeVersion: 1)), Options);
    private static readonly EnvelopeEncryptor Current = new(new StaticKeyRingProvider(StreamVectors.KeyRing(activeVersion: 7)), Options);

    /// <summary>Plaintexts from empty to a few segments, often exactly at, one under or one over a segment boundary.</summary>
    private static readonly Arbitrary<(byte[] Plaintext, byte[] AssociatedData)> Messages =
        Gen.OneOf(
            Gen.Choose(0, 4 * Segment),
            Gen.Choose(0, 4).SelectMany(k => Gen.Choose(-1, 1).Select(d => Math.Max(0, (k * Segment) + d))))
        .SelectMany(length => Gen.Choose(0, 40).Select(adLength => (Bytes(length), Bytes(adLength + 7))))
        .ToArbitrary();

    [Property(MaxTest = 80)]
    public Property EncryptAsyncThenDecryptAsync_RoundTrips() =>
        Prop.ForAll(Messages, message =>
        {
            var ciphertext = Encrypt(Old, message.Plaintext, message.AssociatedData);
            using var plaintext = new MemoryStream();
            var result = Current.DecryptAsync(new MemoryStream(ciphertext), plaintext, message.AssociatedData).GetAwaiter().GetResult();

            return plaintext.ToArray().AsSpan().SequenceEqual(message.Plaintext).Label("the plaintext comes back")
                .And((ciphertext.Length == EnvelopeStreamFormat.GetCiphertextLength(message.Plaintext.Length, Segment)).Label("the length is as computed"))
                .And((result.KeyVersion == 1 && result.NeedsReencryption).Label("the version is read from the header"));
        });

    [Property(MaxTest = 80)]
    public Property EncryptingStreamThenDecryptingStream_RoundTripsInAnyChunks() =>
        Prop.ForAll(Messages, Gen.Choose(1, 3000).ToArbitrary(), (message, chunk) =>
        {
            using var ciphertext = new MemoryStream();
            using (var encrypting = Current.OpenEncryptStream(ciphertext, message.AssociatedData, leaveOpen: true))
            {
                for (int offset = 0; offset < message.Plaintext.Length; offset += chunk)
                {
                    encrypting.Write(message.Plaintext, offset, Math.Min(chunk, message.Plaintext.Length - offset));
                }
            }

            using var decrypting = Current.OpenDecryptStream(new ForwardOnlyStream(ciphertext.ToArray(), chunk), message.AssociatedData);
            using var plaintext = new MemoryStream();
            decrypting.CopyTo(plaintext, chunk);
            return plaintext.ToArray().AsSpan().SequenceEqual(message.Plaintext);
        });

    [Property(MaxTest = 80)]
    public Property DecryptingStream_SeekToAnyOffsetAndReadToTheEnd_ReturnsTheRest() =>
        Prop.ForAll(Messages, Gen.Choose(0, 5 * Segment).ToArbitrary(), (message, offset) =>
        {
            var ciphertext = Encrypt(Current, message.Plaintext, message.AssociatedData);
            using var decrypting = Current.OpenDecryptStream(new MemoryStream(ciphertext), message.AssociatedData);
            int start = Math.Min(offset, message.Plaintext.Length);
            decrypting.Seek(start, SeekOrigin.Begin);
            using var rest = new MemoryStream();
            decrypting.CopyTo(rest);

            return (decrypting.Length == message.Plaintext.Length).Label("the length is known")
                .And(rest.ToArray().AsSpan().SequenceEqual(message.Plaintext.AsSpan(start)).Label("the rest comes back"));
        });

    [Property(MaxTest = 150)]
    public Property AnySingleChangedRemovedOrInsertedByte_Fails() =>
        Prop.ForAll(Messages, Gen.Choose(0, int.MaxValue).ToArbitrary(), Gen.Choose(0, 2).ToArbitrary(), (message, where, edit) =>
        {
            var ciphertext = Encrypt(Current, message.Plaintext, message.AssociatedData);
            int index = where % ciphertext.Length;
            byte[] damaged = edit switch
            {
                0 => Changed(ciphertext, index),
                1 => [.. ciphertext.AsSpan(0, index), .. ciphertext.AsSpan(index + 1)],
                _ => [.. ciphertext.AsSpan(0, index), (byte)where, .. ciphertext.AsSpan(index)],
            };

            return Fails(damaged, message.AssociatedData, seekable: true) && Fails(damaged, message.AssociatedData, seekable: false);
        });

    [Property(MaxTest = 60)]
    public Property RewrapStreamAsync_NeverChangesAByteAfterOffset66() =>
        Prop.ForAll(Messages, message =>
        {
            var ciphertext = Encrypt(Old, message.Plaintext, message.AssociatedData);
            using var file = new MemoryStream();
            file.Write(ciphertext);
            file.Position = 0;
            bool moved = Current.RewrapStreamAsync(file).GetAwaiter().GetResult();
            var rewrapped = file.ToArray();
            using var plaintext = new MemoryStream();
            var result = Current.DecryptAsync(new MemoryStream(rewrapped), plaintext, message.AssociatedData).GetAwaiter().GetResult();

            return moved.Label("it moved")
                .And(rewrapped.AsSpan(67).SequenceEqual(ciphertext.AsSpan(67)).Label("bytes 67.. are unchanged"))
                .And((result.KeyVersion == 7 && !result.NeedsReencryption).Label("the header names the active version"))
                .And(plaintext.ToArray().AsSpan().SequenceEqual(message.Plaintext).Label("the plaintext is unchanged"));
        });

    private static byte[] Encrypt(EnvelopeEncryptor encryptor, byte[] plaintext, byte[] associatedData)
    {
        using var ciphertext = new MemoryStream();
        encryptor.EncryptAsync(new MemoryStream(plaintext), ciphertext, associatedData).GetAwaiter().GetResult();
        return ciphertext.ToArray();
    }

    private static bool Fails(byte[] ciphertext, byte[] associatedData, bool seekable)
    {
        try
        {
            Stream source = seekable ? new MemoryStream(ciphertext) : new ForwardOnlyStream(ciphertext);
            Current.DecryptAsync(source, Stream.Null, associatedData).GetAwaiter().GetResult();
            return false;
        }
        catch (EnvelopeException)
        {
            return true;
        }
    }

    private static byte[] Changed(byte[] ciphertext, int index)
    {
        var copy = (byte[])ciphertext.Clone();
        copy[index] ^= (byte)(1 << (index % 8));
        return copy;
    }

    private static byte[] Bytes(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        return bytes;
    }
}
