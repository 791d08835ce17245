namespace VersionedEnvelope.Tests;

public sealed class FormatTests
{
    [Theory]
    [MemberData(nameof(Vectors.CaseNames), MemberType = typeof(Vectors))]
    public void GetKeyVersion_BinaryAndText_ReadHeaderWithoutKey(string name)
    {
        var vector = Vectors.Case(name);
        int expected = vector.GetProperty("keyVersion").GetInt32();

        Assert.Equal(expected, EnvelopeFormat.GetKeyVersion(vector.Hex("ciphertextHex")));
        Assert.Equal(expected, EnvelopeFormat.GetKeyVersion(vector.GetProperty("text").GetString()!));
        Assert.True(EnvelopeFormat.TryGetKeyVersion(vector.Hex("ciphertextHex"), out int binaryVersion));
        Assert.True(EnvelopeFormat.TryGetKeyVersion(vector.GetProperty("text").GetString(), out int textVersion));
        Assert.Equal(expected, binaryVersion);
        Assert.Equal(expected, textVersion);
    }

    [Theory]
    [InlineData("")]
    [InlineData("ve1:v1:")]
    [InlineData("ve1:v:AAAA")]
    [InlineData("ve1:v01:VkUBAAAAAUnFFXmE3BkDNA8HM4fFAmfs6yAMjTxh1F0jfSLsYup28NePotX4cIkct896qCZHqUspkt7RJUaLnS-dvO1gyz8a16aYNxS3htpWo0X26RpQbUH1k2gti7c")]
    [InlineData("ve1:v1:VkUBAAAAAUnFFXmE3BkDNA8HM4fFAmfs6yAMjTxh1F0jfSLsYup28NePotX4cIkct896qCZHqUspkt7RJUaLnS-dvO1gyz8a16aYNxS3htpWo0X26RpQbUH1k2gti7c=")]
    [InlineData("ve1:v1:VkUBAAAAAUnFFXmE3BkDNA8HM4fFAmfs6yAMjTxh1F0jfSLsYup28NePotX4cIkct896qCZHqUspkt7RJUaLnS+dvO1gyz8a16aYNxS3htpWo0X26RpQbUH1k2gti7c")]
    [InlineData("ve1:v1: VkUBAAAAAUnFFXmE3BkDNA8HM4fFAmfs6yAMjTxh1F0jfSLsYup28NePotX4cIkct896qCZHqUspkt7RJUaLnS-dvO1gyz8a16aYNxS3htpWo0X26RpQbUH1k2gti7c")]
    [InlineData("ve1:v99999999999:AAAA")]
    [InlineData("ve1:v-1:AAAA")]
    public void TextForm_Malformed_IsRejected(string text)
    {
        Assert.False(EnvelopeFormat.TryGetKeyVersion(text, out _));
        Assert.Equal(EnvelopeErrorReason.Malformed, Assert.Throws<EnvelopeException>(() => EnvelopeFormat.FromText(text)).Reason);
    }

    [Fact]
    public void GetKeyVersion_VersionZeroOrAboveIntMax_IsMalformed()
    {
        var ciphertext = Vectors.Case("short").Hex("ciphertextHex");
        ciphertext[3] = 0; ciphertext[4] = 0; ciphertext[5] = 0; ciphertext[6] = 0;
        Assert.Equal(EnvelopeErrorReason.Malformed, Assert.Throws<EnvelopeException>(() => EnvelopeFormat.GetKeyVersion(ciphertext)).Reason);

        ciphertext[3] = 0x80;
        Assert.False(EnvelopeFormat.TryGetKeyVersion(ciphertext, out _));
    }

    [Fact]
    public void GetKeyVersion_OtherFormatByte_IsUnsupported()
    {
        var ciphertext = Vectors.Case("short").Hex("ciphertextHex");
        ciphertext[2] = 2;

        Assert.Equal(EnvelopeErrorReason.UnsupportedFormat, Assert.Throws<EnvelopeException>(() => EnvelopeFormat.GetKeyVersion(ciphertext)).Reason);
    }

    [Theory]
    [InlineData(0, 95)]
    [InlineData(1, 96)]
    [InlineData(1024, 1119)]
    public void GetCiphertextLength_AddsOverhead(int plaintext, int expected)
    {
        Assert.Equal(expected, EnvelopeFormat.GetCiphertextLength(plaintext));
        Assert.Equal(plaintext, EnvelopeFormat.GetPlaintextLength(expected));
    }

    [Fact]
    public void GetCiphertextLength_NegativeOrOverflowing_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => EnvelopeFormat.GetCiphertextLength(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => EnvelopeFormat.GetCiphertextLength(int.MaxValue - 94));
        Assert.Throws<EnvelopeException>(() => EnvelopeFormat.GetPlaintextLength(94));
    }

    [Fact]
    public void ToText_ThenFromText_IsIdentity()
    {
        var ciphertext = Vectors.Case("1KiB").Hex("ciphertextHex");

        Assert.Equal(ciphertext, EnvelopeFormat.FromText(EnvelopeFormat.ToText(ciphertext)));
        Assert.True(EnvelopeFormat.IsTextForm(EnvelopeFormat.ToText(ciphertext)));
    }
}
