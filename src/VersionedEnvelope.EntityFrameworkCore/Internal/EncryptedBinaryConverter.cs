using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace VersionedEnvelope.EntityFrameworkCore.Internal;

/// <summary>Stores a byte array property as a binary VE1 ciphertext.</summary>
internal sealed class EncryptedBinaryConverter(EncryptedColumnCodec codec)
    : ValueConverter<byte[], byte[]>(plaintext => codec.EncryptBinary(plaintext), stored => codec.DecryptBinary(stored))
{
    public EncryptedColumnCodec Codec { get; } = codec;
}
