namespace VersionedEnvelope.Cli;

/// <summary>Where a command's keys come from, as its options were parsed: a key ring file (and the variable of its root key) or a static keys file.</summary>
/// <param name="Ring">The key ring file (--ring).</param>
/// <param name="RootKeyEnv">The variable that holds the ring's root key (--root-key-env), if not the default.</param>
/// <param name="Keys">A static keys file (--keys).</param>
/// <param name="Active">With --keys: the version that encrypts (--active).</param>
internal sealed record KeySourceArguments(FileInfo? Ring, string? RootKeyEnv, FileInfo? Keys = null, int? Active = null);
