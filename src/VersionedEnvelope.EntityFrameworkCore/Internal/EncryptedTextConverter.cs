using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace VersionedEnvelope.EntityFrameworkCore.Internal;

/// <summary>Stores a string property as a VE1 text form (<c>ve1:vN:…</c>), so SQL can find rows by key version.</summary>
internal sealed class EncryptedTextConverter(EncryptedColumnCodec codec)
    : ValueConverter<string, string>(plaintext => codec.EncryptText(plaintext), stored => codec.DecryptText(stored))
{
    public EncryptedColumnCodec Codec { get; } = codec;
}
