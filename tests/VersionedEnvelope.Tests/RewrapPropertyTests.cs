using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VersionedEnvelope.Reencryption.Internal;
using VersionedEnvelope.Storage;

namespace VersionedEnvelope.Tests;

public sealed class RewrapPropertyTests
{
    private static readonly EnvelopeEncryptor Old = new(Vectors.KeyRing(activeVersion: 1));
    private static readonly EnvelopeEncryptor Current = new(Vectors.KeyRing(activeVersion: 3));

    [Property(MaxTest = 60)]
    public Property Rewrap_KeepsPlaintextAndPayloadBytes() =>
        Prop.ForAll(Generators.Messages, message =>
        {
            var ciphertext = Old.Encrypt(message.Plaintext, message.AssociatedData);
            var rewrapped = Current.Rewrap(ciphertext);

            return (EnvelopeFormat.GetKeyVersion(rewrapped) == 3).Label("the header names v3")
                .And(rewrapped.AsSpan(67).SequenceEqual(ciphertext.AsSpan(67)).Label("the payload is unchanged"))
                .And(rewrapped.AsSpan(0, 3).SequenceEqual(ciphertext.AsSpan(0, 3)).Label("the magic is unchanged"))
                .And(Current.Decrypt(rewrapped, message.AssociatedData).Plaintext.AsSpan().SequenceEqual(message.Plaintext).Label("the plaintext is unchanged"));
        });

    [Property(MaxTest = 60)]
    public Property RewrapTextHead_ThenTheRestAsStored_IsARewrapOfTheWholeText() =>
        Prop.ForAll(Generators.Messages, message =>
        {
            string text = Old.EncryptToText(message.Plaintext, message.AssociatedData);
            string start = text[..Math.Min(text.Length, StoredValueReencryption.MaxTextHeadLength)];
            string newHead = StoredValueReencryption.RewrapTextHead(Current, start, text.Length, out string head);
            string rewritten = newHead + text[head.Length..];

            return (head == text[..(7 + 92)]).Label("the head is the prefix and the base64 of bytes 0..68")
                .And((EnvelopeFormat.GetKeyVersion(rewritten) == 3).Label("the text and its header name v3"))
                .And(EnvelopeFormat.FromText(rewritten).AsSpan(67).SequenceEqual(EnvelopeFormat.FromText(text).AsSpan(67)).Label("the payload is unchanged"))
                .And(Current.DecryptText(rewritten, message.AssociatedData).Plaintext.AsSpan().SequenceEqual(message.Plaintext).Label("the plaintext is unchanged"))
                .And(ReferenceEquals(StoredValueReencryption.RewrapTextHead(Current, rewritten, rewritten.Length, out string current), current)
                    .Label("a text under the active version keeps its head"));
        });

    [Property(MaxTest = 100)]
    public Property Rewrap_TwiceEqualsOnce() =>
        Prop.ForAll(Generators.Plaintexts, plaintext =>
        {
            var once = Current.Rewrap(Old.Encrypt(plaintext, null));
            var twice = Current.Rewrap(once);
            var text = Current.RewrapText(Old.EncryptToText(plaintext, default));
            return ReferenceEquals(once, twice).Label("a binary ciphertext under the active version is returned as it is")
                .And(ReferenceEquals(text, Current.RewrapText(text)).Label("a text ciphertext under the active version is returned as it is"));
        });

    /// <summary>Operations: 0 = encrypt a new message, 1 = rotate, 2 = rewrap a random stored ciphertext, 3 = retire a random old version.</summary>
    [Property(MaxTest = 40)]
    public Property AnyRotationsAndRewraps_KeepEveryCiphertextDecryptableUntilRetired() =>
        Prop.ForAll(Arb.From(Gen.Choose(0, 3).Select(op => op).ArrayOf()), Arb.From(Gen.Choose(0, 1000)), (ops, seed) =>
        {
            var random = new Random(seed);
            using var manager = new KeyRingManager(
                new InMemoryKeyRingStore(KeyRing.CreateNew()),
                new KeyRingOptions { RefreshInterval = TimeSpan.Zero });
            var encryptor = new EnvelopeEncryptor(manager);
            var stored = new List<(byte[] Ciphertext, byte[] Plaintext)>();
            foreach (int op in ops)
            {
                switch (op)
                {
                    case 0:
                        var plaintext = new byte[random.Next(0, 64)];
                        random.NextBytes(plaintext);
                        stored.Add((encryptor.Encrypt(plaintext, null), plaintext));
                        break;
                    case 1:
                        manager.RotateAsync("prop").GetAwaiter().GetResult();
                        break;
                    case 2 when stored.Count > 0:
                        int i = random.Next(stored.Count);
                        if (IsUsable(manager.Current, EnvelopeFormat.GetKeyVersion(stored[i].Ciphertext)))
                        {
                            stored[i] = (encryptor.Rewrap(stored[i].Ciphertext), stored[i].Plaintext);
                        }

                        break;
                    case 3:
                        var candidates = manager.Current.Keys.Where(k => k.State == KeyState.DecryptOnly).ToArray();
                        if (candidates.Length > 0)
                        {
                            manager.RetireAsync(candidates[random.Next(candidates.Length)].Version, "prop").GetAwaiter().GetResult();
                        }

                        break;
                }
            }

            return stored.All(entry =>
            {
                int version = EnvelopeFormat.GetKeyVersion(entry.Ciphertext);
                if (IsUsable(manager.Current, version))
                {
                    return encryptor.Decrypt(entry.Ciphertext).Plaintext.AsSpan().SequenceEqual(entry.Plaintext);
                }

                return Assert.Throws<EnvelopeException>(() => encryptor.Decrypt(entry.Ciphertext)).Reason == EnvelopeErrorReason.KeyVersionRetired;
            });
        });

    private static bool IsUsable(KeyRing ring, int version) =>
        ring.TryGetKey(version, out var key) && key.State is KeyState.Active or KeyState.DecryptOnly;
}
