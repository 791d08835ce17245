namespace VersionedEnvelope.EntityFrameworkCore.Internal;

/// <summary>A blind index declared on an encrypted string property: its shadow property (and column), bits, name and normalisation.</summary>
internal sealed record BlindIndexDefinition(string IndexProperty, int Bits, string Name, Func<string, string>? Normalize);
