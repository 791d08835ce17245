using System.Globalization;
using System.Text;
using System.Text.Json;

namespace VersionedEnvelope.Tests;

/// <summary>
/// Bounded, seeded mutation runs against every reader and decrypt entry point: only the documented exception types come
/// out, and no mutation is accepted with different contents. 100,000 mutations each by default (a few seconds); set
/// <c>FUZZ_ITERATIONS</c> for a longer run (README, "Fuzzing").
/// </summary>
public sealed class FuzzTests
{
    private static readonly int Iterations = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_ITERATIONS"), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : 100_000;
    private static readonly byte[] AssociatedData = "UserProfile:42:apiKey"u8.ToArray();
    private const string TextAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_:v=+/ \0é";

    [Trait("Category", "Slow")]
    [Fact]
    public void DecryptBinary_MutatedCiphertexts_FailAsEnvelopeExceptionsOrAreUnchanged()
    {
        var encryptor = new EnvelopeEncryptor(Vectors.KeyRing());
        byte[] original = encryptor.Encrypt("sk-live-4f9a0c1d2e3f"u8.ToArray(), AssociatedData);
        var random = new Random(1);
        for (int i = 0; i < Iterations; i++)
        {
            byte[] mutated = MutateBytes(original, random);
            try
            {
                var result = encryptor.Decrypt(mutated, AssociatedData);
                Assert.True(mutated.AsSpan().SequenceEqual(original), $"mutation {i} was accepted with different bytes");
                Assert.Equal("sk-live-4f9a0c1d2e3f"u8.ToArray(), result.Plaintext);
            }
            catch (EnvelopeException)
            {
            }
        }
    }

    [Trait("Category", "Slow")]
    [Fact]
    public void DecryptText_MutatedTexts_FailAsEnvelopeExceptionsOrAreUnchanged()
    {
        var encryptor = new EnvelopeEncryptor(Vectors.KeyRing());
        string original = encryptor.EncryptToText("sk-live-4f9a"u8, AssociatedData);
        var random = new Random(2);
        for (int i = 0; i < Iterations; i++)
        {
            string mutated = MutateText(original, random);
            try
            {
                encryptor.DecryptText(mutated, AssociatedData);
                Assert.Equal(original, mutated);
            }
            catch (EnvelopeException)
            {
            }

            // The header-only readers agree with decryption about what is a VE1 text.
            bool read = EnvelopeFormat.TryGetKeyVersion(mutated, out int version);
            Assert.True(!read || mutated.StartsWith(string.Create(CultureInfo.InvariantCulture, $"ve1:v{version}:"), StringComparison.Ordinal));
            try
            {
                Assert.Equal(version, EnvelopeFormat.GetKeyVersion(mutated));
            }
            catch (EnvelopeException)
            {
                Assert.False(read);
            }
        }
    }

    [Trait("Category", "Slow")]
    [Fact]
    public void RotationHistoryParse_MutatedJson_FailsAsJsonExceptionsOrRoundTrips()
    {
        byte[] original = Encoding.UTF8.GetBytes(RotationHistoryJson.Write(
        [
            new KeyRotationEvent(2, new DateTimeOffset(2026, 1, 27, 8, 27, 32, TimeSpan.Zero), "user_123"),
            new KeyRotationEvent(3, new DateTimeOffset(2026, 2, 1, 0, 0, 0, 5, TimeSpan.Zero), "ops@example.com"),
        ]));
        var random = new Random(3);
        for (int i = 0; i < Iterations; i++)
        {
            byte[] mutated = MutateBytes(original, random);
            IReadOnlyList<KeyRotationEvent> history;
            try
            {
                history = RotationHistoryJson.Parse(mutated);
            }
            catch (JsonException)
            {
                continue;
            }

            // Accepted: what it says is written back exactly and reads the same again.
            string written = RotationHistoryJson.Write(history);
            Assert.Equal(history, RotationHistoryJson.Parse(written));
        }
    }

    internal static byte[] MutateBytes(byte[] original, Random random)
    {
        var bytes = new List<byte>(original);
        int edits = 1 + random.Next(3);
        for (int e = 0; e < edits; e++)
        {
            int at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0 when bytes.Count > 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when bytes.Count > 0:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 2 when bytes.Count > 0:
                    bytes.RemoveAt(at);
                    break;
                case 3:
                    bytes.Insert(at, (byte)random.Next(256));
                    break;
                case 4 when bytes.Count > 0:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                default:
                    bytes.Add((byte)random.Next(256));
                    break;
            }
        }

        return [.. bytes];
    }

    private static string MutateText(string original, Random random)
    {
        var text = new StringBuilder(original);
        int edits = 1 + random.Next(2);
        for (int e = 0; e < edits; e++)
        {
            int at = text.Length == 0 ? 0 : random.Next(text.Length);
            char c = TextAlphabet[random.Next(TextAlphabet.Length)];
            switch (random.Next(4))
            {
                case 0 when text.Length > 0:
                    text[at] = c;
                    break;
                case 1 when text.Length > 0:
                    text.Remove(at, 1);
                    break;
                case 2:
                    text.Insert(at, c);
                    break;
                default:
                    text.Length = at;
                    break;
            }
        }

        return text.ToString();
    }
}
