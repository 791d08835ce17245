namespace VersionedEnvelope.Cli;

/// <summary>What each command does, for the help System.CommandLine generates (usage and options come from the command tree).</summary>
internal static class HelpText
{
    public const string Main = """
        envelope: key rings and ciphertexts of VersionedEnvelope (VE1).
        Exit codes: 0 success, 1 a decryption or integrity failure, 2 a usage error.
        Run 'envelope <command> --help' for a command's options.
        """;

    public const string Ring = "Create, rotate, show, retire, reinstate and destroy the versions of a key ring file.";

    public const string RingCreate = """
        Creates a key ring file holding version 1 (active). Refuses to overwrite an existing file.
        Generate a root key with: head -c 32 /dev/urandom | base64
        """;

    public const string RingRotate = """
        Creates version (highest + 1), makes it active, demotes the previous one to DecryptOnly, records the event,
        and prints it: {"version":2,"rotatedAt":"2026-01-27T08:27:32.000Z","rotatedBy":"NAME"}
        """;

    public const string RingRotateIndexKey = """
        Adds a blind index key version (highest + 1; the first when the ring has none), used for new indexes from then on,
        records the event, and prints it: {"version":2,"rotatedAt":"2026-01-27T08:27:32.000Z","rotatedBy":"NAME"}.
        Data keys are not touched. Lookups ask for every index key version; backfill the stored indexes
        (BackfillBlindIndexAsync) before retiring the old one.
        """;

    public const string RingShow = "Prints the versions (state, age, data keys wrapped against the limit, what keeps each from automatic retirement), "
        + "the next automatic rotation and the keyRotationHistory as JSON. Never prints key material.";

    public const string RingRetire = "Refuses decryption under version N (not the active one); 'ring reinstate' undoes it.";

    public const string RingReinstate = "Lets a retired version N decrypt again.";

    public const string RingProtect = """
        Changes who can open a key ring file: wraps its ring key under an added protector and/or drops one, touching no
        key version and no ciphertext. The file is opened with the root key in the environment or the PKCS#11 token in
        $ENVELOPE_PKCS11_LIBRARY, $ENVELOPE_PKCS11_TOKEN, $ENVELOPE_PKCS11_PIN and $ENVELOPE_PKCS11_KEY_LABEL. Removing the
        last protector this host can open is refused.
        """;

    public const string RingDestroy = """
        Deletes version N's key material for good. Refused (exit 1, with the reason) unless --in holds every stored
        ciphertext in text form, one per line, and shows none under version N: an empty file, legacy (headerless)
        values or unreadable lines are refused too. --force destroys regardless.
        """;

    public const string Encrypt = """
        Encrypts stdin to stdout under the active version: binary by default, 've1:vN:...' with --text.
        With --in FILE --out FILE, encrypts a file of any size as a VE1 stream (progress on stderr for large files).
        Key source: --ring FILE (root key from $ENVELOPE_ROOT_KEY or --root-key-env) or --keys FILE [--active N].
        """;

    public const string Decrypt = """
        Decrypts stdin (binary or 've1:vN:...' text, detected) to stdout. Exit code 1 names the reason on failure.
        With --in FILE, reads a VE1 stream (to --out FILE, written only once every segment verified) or a message.
        Key source: --ring FILE (root key from $ENVELOPE_ROOT_KEY or --root-key-env) or --keys FILE.
        """;

    public const string Inspect = "Reads a ciphertext on stdin and prints {\"format\",\"form\",\"keyVersion\",\"length\"} as JSON. Needs no key.";

    public const string Inventory = """
        Reads text-form ciphertexts, one per line, from stdin or --in, and prints the count per key version as JSON.
        Malformed lines are counted, not fatal. Needs no key.
        """;

    public const string Rewrap = """
        Reads text-form ciphertexts, one per line, and writes each moved to the active version, in the same order.
        Only the data key is rewrapped; the plaintext is never decrypted. A line that cannot be rewrapped is written
        unchanged, reported on stderr, and makes the exit code 1. With --out, the output goes to a temporary file
        renamed to FILE only when every line was rewrapped: a failed rewrap leaves no FILE behind.
        With --in-place FILE, moves one VE1 stream file to the active version by rewriting its first 67 bytes.
        Key source: --ring FILE (root key from $ENVELOPE_ROOT_KEY or --root-key-env) or --keys FILE [--active N].
        """;
}
