namespace VersionedEnvelope.Cli;

/// <summary>The help of every command.</summary>
internal static class HelpText
{
    private const string KeySources = """
        Key sources (one per call):
          --ring FILE             a key ring file; its root key is base64 in $ENVELOPE_ROOT_KEY
          --root-key-env NAME     read the root key from another environment variable
          --keys FILE             a static ring: a JSON object of version -> base64 256-bit key
          --active N              with --keys: the version that encrypts (default: the highest)
        """;

    public const string Main = """
        envelope: key rings and ciphertexts of VersionedEnvelope (VE1).

        Usage: envelope <command> [options]

        Commands:
          ring create      create a key ring file with version 1
          ring rotate      add a new active version; prints the rotation event as JSON
          ring show        versions, states and the keyRotationHistory (never key material)
          ring retire      refuse decryption under a version (reversible)
          ring reinstate   allow a retired version to decrypt again
          ring destroy     delete a version's key material for good
          encrypt          stdin to stdout
          decrypt          stdin to stdout (binary or text form, detected)
          inspect          print a ciphertext's format and key version, without any key
          inventory        count text-form ciphertexts per key version (one per line)
          rewrap           move text-form ciphertexts (one per line) to the active version

        Exit codes: 0 success, 1 a decryption or integrity failure, 2 a usage error.
        Run 'envelope <command> --help' for a command's options.
        """;

    public static string For(IReadOnlyList<string> words) => string.Join(' ', words) switch
    {
        "ring" => Main,
        "ring create" => """
            Usage: envelope ring create --ring FILE [--root-key-env NAME]
            Creates a key ring file holding version 1 (active). Refuses to overwrite an existing file.
            Generate a root key with: head -c 32 /dev/urandom | base64
            """,
        "ring rotate" => """
            Usage: envelope ring rotate --ring FILE --by NAME [--root-key-env NAME]
            Creates version (highest + 1), makes it active, demotes the previous one to DecryptOnly, records the event,
            and prints it: {"version":2,"rotatedAt":"2026-01-27T08:27:32.000Z","rotatedBy":"NAME"}
            """,
        "ring show" => """
            Usage: envelope ring show --ring FILE [--root-key-env NAME]
            Prints the versions, their states and the keyRotationHistory as JSON. Never prints key material.
            """,
        "ring retire" or "ring reinstate" => """
            Usage: envelope ring retire|reinstate --ring FILE --version N [--by NAME] [--root-key-env NAME]
            Retire refuses decryption under version N (not the active one); reinstate undoes it.
            """,
        "ring destroy" => """
            Usage: envelope ring destroy --ring FILE --version N [--in FILE] [--force] [--by NAME] [--root-key-env NAME]
            Deletes version N's key material for good. Refused (exit 1, with the reason) unless --in holds every stored
            ciphertext in text form, one per line, and shows none under version N: an empty file, legacy (headerless)
            values or unreadable lines are refused too. --force destroys regardless.
            """,
        "encrypt" => $"""
            Usage: envelope encrypt (--ring FILE | --keys FILE [--active N]) [--aad TEXT] [--text]
            Encrypts stdin to stdout under the active version: binary by default, 've1:vN:...' with --text.
            --aad TEXT binds UTF-8 associated data; the same must be given to decrypt.

            {KeySources}
            """,
        "decrypt" => $"""
            Usage: envelope decrypt (--ring FILE | --keys FILE) [--aad TEXT]
            Decrypts stdin (binary or 've1:vN:...' text, detected) to stdout. Exit code 1 names the reason on failure.

            {KeySources}
            """,
        "inspect" => """
            Usage: envelope inspect
            Reads a ciphertext on stdin and prints {"format","form","keyVersion","length"} as JSON. Needs no key.
            """,
        "inventory" => """
            Usage: envelope inventory [--in FILE]
            Reads text-form ciphertexts, one per line, from stdin or --in, and prints the count per key version as JSON.
            Malformed lines are counted, not fatal. Needs no key.
            """,
        "rewrap" => $"""
            Usage: envelope rewrap (--ring FILE | --keys FILE [--active N]) [--in FILE] [--out FILE]
            Reads text-form ciphertexts, one per line, and writes each moved to the active version, in the same order.
            Only the data key is rewrapped; the plaintext is never decrypted. A line that cannot be rewrapped is written
            unchanged, reported on stderr, and makes the exit code 1.
            With --out, the output goes to a temporary file renamed to FILE only when every line was rewrapped: a failed
            rewrap leaves no FILE behind (and an existing FILE untouched).

            {KeySources}
            """,
        _ => Main,
    };
}
