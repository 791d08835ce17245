using FsCheck;
using FsCheck.Fluent;

namespace VersionedEnvelope.Tests;

/// <summary>Test data for the properties: plaintexts from empty to 1 MiB (mostly small), associated data up to 1 KiB.</summary>
internal static class Generators
{
    public const int OneMiB = 1 << 20;

    public static Arbitrary<byte[]> Plaintexts { get; } = Gen.Frequency(
        (6, Gen.Choose(0, 300).Select(Bytes)),
        (3, Gen.Choose(300, 70_000).Select(Bytes)),
        (1, Gen.Choose(OneMiB - 1000, OneMiB).Select(Bytes))).ToArbitrary();

    public static Arbitrary<byte[]> AssociatedData { get; } = Gen.Frequency(
        (5, Gen.Choose(0, 40).Select(Bytes)),
        (1, Gen.Choose(200, 1024).Select(Bytes))).ToArbitrary();

    public static Arbitrary<(byte[] Plaintext, byte[] AssociatedData)> Messages { get; } =
        Plaintexts.Generator.SelectMany(p => AssociatedData.Generator.Select(a => (p, a))).ToArbitrary();

    /// <summary>Deterministic bytes for a length, so a failing case can be replayed from its seed.</summary>
    private static byte[] Bytes(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        return bytes;
    }
}
