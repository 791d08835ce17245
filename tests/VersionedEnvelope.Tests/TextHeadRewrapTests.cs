using VersionedEnvelope.Reencryption.Internal;

namespace VersionedEnvelope.Tests;

/// <summary>Rewrapping a stored text from its head alone: what it refuses, with the error a whole text would get.</summary>
public sealed class TextHeadRewrapTests
{
    private static readonly EnvelopeEncryptor Old = new(Vectors.KeyRing(activeVersion: 1));
    private static readonly EnvelopeEncryptor Current = new(Vectors.KeyRing(activeVersion: 3));
    private static readonly string Valid = Old.EncryptToText("a secret"u8, default);

    public static TheoryData<string, int, string> Malformed() => new()
    {
        { "not a ciphertext at all, but longer than a head would be: " + new string('x', 100), 160, "not VE1 text" },
        { Valid[..50], 50, "shorter than a head" },
        { Valid, Valid.Length - 20, "a start longer than the stored length" },
        { Valid[..120], 120, "too short for a ciphertext" },
        { Valid[..108], 1_000, "a length base64 cannot have" },
        { "ve1:v2:" + Valid[7..], Valid.Length, "the prefix names another version than the header" },
        { Valid[..30] + "!" + Valid[31..], Valid.Length, "a character outside base64url in the head" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void RewrapTextHead_RefusesAMalformedValue(string start, int storedLength, string because)
    {
        var ex = Assert.Throws<EnvelopeException>(() => StoredValueReencryption.RewrapTextHead(Current, start, storedLength, out _));
        Assert.True(ex.Reason == EnvelopeErrorReason.Malformed, because);
    }

    [Fact]
    public void RewrapTextHead_AWrappedDataKeyThatDoesNotAuthenticate_FailsAsAWholeTextWould()
    {
        string tampered = Valid[..40] + (Valid[40] == 'A' ? 'B' : 'A') + Valid[41..];

        var ex = Assert.Throws<EnvelopeException>(() => StoredValueReencryption.RewrapTextHead(Current, tampered, tampered.Length, out _));

        Assert.Equal(EnvelopeErrorReason.AuthenticationFailed, ex.Reason);
        Assert.Equal(ex.Reason, Assert.Throws<EnvelopeException>(() => Current.RewrapText(tampered)).Reason);
    }

    [Fact]
    public void RewrapTextHead_AnUnknownKeyVersion_FailsAsAWholeTextWould()
    {
        string future = Current.EncryptToText("x"u8, default);
        var versionOneOnly = new EnvelopeEncryptor(KeyRing.CreateNew());

        var ex = Assert.Throws<EnvelopeException>(() => StoredValueReencryption.RewrapTextHead(versionOneOnly, future, future.Length, out _));

        Assert.Equal(EnvelopeErrorReason.UnknownKeyVersion, ex.Reason);
        Assert.Equal(ex.Reason, Assert.Throws<EnvelopeException>(() => versionOneOnly.RewrapText(future)).Reason);
    }

    [Fact]
    public void RewrapTextHead_NeedsOnlyTheHead_AndReturnsTheHeadItCompared()
    {
        string newHead = StoredValueReencryption.RewrapTextHead(Current, Valid[..StoredValueReencryption.MaxTextHeadLength], Valid.Length, out string head);

        Assert.Equal(Valid[..99], head);
        Assert.StartsWith("ve1:v3:", newHead, StringComparison.Ordinal);
        Assert.Equal(99, newHead.Length);
        Assert.Equal("a secret"u8.ToArray(), Current.DecryptText(newHead + Valid[99..]).Plaintext);
    }
}
