using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace VersionedEnvelope.Tests;

public sealed class EncryptorPropertyTests
{
    private static readonly KeyRing Ring = KeyRing.CreateNew();
    private static readonly EnvelopeEncryptor Encryptor = new(Ring);

    [Property(MaxTest = 60)]
    public Property EncryptDecrypt_AnyPlaintextAndAssociatedData_RoundTripsThroughBinaryAndText() =>
        Prop.ForAll(Generators.Messages, message =>
        {
            var binary = Encryptor.Encrypt(message.Plaintext, message.AssociatedData);
            var text = Encryptor.EncryptToText(message.Plaintext, message.AssociatedData);

            return Encryptor.Decrypt(binary, message.AssociatedData).Plaintext.AsSpan().SequenceEqual(message.Plaintext).Label("binary round-trips")
                .And(Encryptor.DecryptText(text, message.AssociatedData).Plaintext.AsSpan().SequenceEqual(message.Plaintext).Label("text round-trips"))
                .And((EnvelopeFormat.GetKeyVersion(text) == Ring.ActiveVersion).Label("the text names the active version"));
        });

    [Property(MaxTest = 60)]
    public Property Encrypt_AnyPlaintext_LengthIsExactlyPredicted() =>
        Prop.ForAll(Generators.Messages, message =>
        {
            int predicted = Encryptor.GetCiphertextLength(message.Plaintext.Length);
            var destination = new byte[predicted + 10];
            int written = Encryptor.Encrypt(message.Plaintext, destination, message.AssociatedData);
            return (written == predicted).Label("the bytes written are the length predicted")
                .And((predicted == message.Plaintext.Length + 95).Label("the prediction is the plaintext plus 95 bytes"));
        });

    [Property(MaxTest = 300)]
    public Property Decrypt_AnySingleBitFlipped_FailsAsAuthenticationFailedOrMalformed() =>
        Prop.ForAll(Arb.From(Gen.Choose(0, 200)), Arb.From(Gen.Choose(0, int.MaxValue)), (length, where) =>
        {
            var plaintext = new byte[length];
            var ciphertext = Encryptor.Encrypt(plaintext, [1, 2, 3]);
            int bit = where % (ciphertext.Length * 8);
            ciphertext[bit / 8] ^= (byte)(1 << (bit % 8));

            var error = Record.Exception(() => Encryptor.Decrypt(ciphertext, [1, 2, 3]));
            var reason = Assert.IsType<EnvelopeException>(error).Reason;
            return reason is EnvelopeErrorReason.AuthenticationFailed or EnvelopeErrorReason.Malformed
                or EnvelopeErrorReason.UnsupportedFormat or EnvelopeErrorReason.UnknownKeyVersion;
        });

    [Property(MaxTest = 200)]
    public Property Decrypt_FlippedBitOutsideVersionAndMagic_FailsAsAuthenticationFailed() =>
        Prop.ForAll(Arb.From(Gen.Choose(0, 100)), Arb.From(Gen.Choose(7 * 8, int.MaxValue)), (length, where) =>
        {
            var ciphertext = Encryptor.Encrypt(new byte[length], null);
            int bit = (7 * 8) + (where % ((ciphertext.Length - 7) * 8));
            ciphertext[bit / 8] ^= (byte)(1 << (bit % 8));

            return Assert.Throws<EnvelopeException>(() => Encryptor.Decrypt(ciphertext)).Reason == EnvelopeErrorReason.AuthenticationFailed;
        });

    [Property(MaxTest = 200)]
    public Property Decrypt_TruncatedAtAnyLength_Fails() =>
        Prop.ForAll(Arb.From(Gen.Choose(0, 200)), Arb.From(Gen.Choose(0, int.MaxValue)), (length, cut) =>
        {
            var ciphertext = Encryptor.Encrypt(new byte[length], null);
            var truncated = ciphertext.AsSpan(0, cut % ciphertext.Length).ToArray();

            var reason = Assert.Throws<EnvelopeException>(() => Encryptor.Decrypt(truncated)).Reason;
            return reason is EnvelopeErrorReason.Malformed or EnvelopeErrorReason.AuthenticationFailed;
        });

    [Property(MaxTest = 100)]
    public Property Decrypt_OtherAssociatedData_NeverSucceeds() =>
        Prop.ForAll(Generators.AssociatedData, Generators.AssociatedData, (written, read) =>
        {
            var ciphertext = Encryptor.Encrypt([42, 43], written);
            if (written.AsSpan().SequenceEqual(read))
            {
                return Encryptor.Decrypt(ciphertext, read).Plaintext.Length == 2;
            }

            return Assert.Throws<EnvelopeException>(() => Encryptor.Decrypt(ciphertext, read)).Reason == EnvelopeErrorReason.AuthenticationFailed;
        });

    [Property(MaxTest = 100)]
    public Property Encrypt_SamePlaintextTwice_GivesDifferentCiphertexts() =>
        Prop.ForAll(Generators.Plaintexts, plaintext =>
        {
            var first = Encryptor.Encrypt(plaintext, null);
            var second = Encryptor.Encrypt(plaintext, null);
            return (!first.AsSpan().SequenceEqual(second)).Label("the ciphertexts differ")
                .And((!first.AsSpan(7, 12).SequenceEqual(second.AsSpan(7, 12))).Label("the wrap nonces differ"))
                .And((!first.AsSpan(67, 12).SequenceEqual(second.AsSpan(67, 12))).Label("the payload nonces differ"));
        });
}
