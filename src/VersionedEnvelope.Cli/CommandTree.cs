using System.CommandLine;

namespace VersionedEnvelope.Cli;

/// <summary>
/// The tool's commands and options for System.CommandLine, which parses (including <c>--name=value</c>), generates the
/// help and answers <c>--version</c>. Each command hands its values to the handlers as <see cref="CliArguments"/>.
/// </summary>
internal static class CommandTree
{
    public delegate Task<int> Handler(CliArguments arguments, CancellationToken cancellationToken);

    public static RootCommand Build(Func<string, Handler> handlerFor)
    {
        var root = new RootCommand(HelpText.Main);
        var ring = new Command("ring", HelpText.Ring);
        root.Subcommands.Add(ring);
        Add(ring, "create", HelpText.RingCreate, handlerFor, RingFile(), RootKeyEnv());
        Add(ring, "rotate", HelpText.RingRotate, handlerFor, RingFile(), RootKeyEnv(), Text("--by", "NAME", "Who rotates (recorded in the audit "
            + "trail).", required: true));
        Add(ring, "rotate-index-key", HelpText.RingRotateIndexKey, handlerFor, RingFile(), RootKeyEnv(), Text("--by", "NAME", "Who rotates (recorded in the "
            + "audit trail).", required: true));
        Add(ring, "show", HelpText.RingShow, handlerFor, RingFile(), RootKeyEnv());
        Add(ring, "retire", HelpText.RingRetire, handlerFor, RingFile(), RootKeyEnv(), Version(), By());
        Add(ring, "reinstate", HelpText.RingReinstate, handlerFor, RingFile(), RootKeyEnv(), Version(), By());
        Add(
            ring,
            "protect",
            HelpText.RingProtect,
            handlerFor,
            RingFile(),
            RootKeyEnv(),
            Text("--add", "PROTECTOR", "Add a protector: 'root-key:VARIABLE' (base64 in that environment variable) or 'pkcs11' (the token in "
                + "$ENVELOPE_PKCS11_*)."),
            Text("--remove", "KEYID", "Remove the protector with this key id ('ring show' lists them)."));
        Add(
            ring,
            "destroy",
            HelpText.RingDestroy,
            handlerFor,
            RingFile(),
            RootKeyEnv(),
            Version(),
            By(),
            Text("--in", "FILE", "Every stored ciphertext in text form, one per line: the evidence that nothing needs version N."),
            Flag("--force", "Destroy even if ciphertexts may still use the version."));
        Add(root, "encrypt", HelpText.Encrypt, handlerFor, [.. KeySource(), Aad(), Flag("--text", "Write the text form 've1:vN:...' instead of binary.")]);
        Add(root, "decrypt", HelpText.Decrypt, handlerFor, [.. KeySource(), Aad()]);
        Add(root, "inspect", HelpText.Inspect, handlerFor);
        Add(root, "inventory", HelpText.Inventory, handlerFor, In());
        Add(root, "rewrap", HelpText.Rewrap, handlerFor, [.. KeySource(), In(), Text("--out", "FILE", "Write to FILE, atomically and only when every line "
            + "was rewrapped.")]);
        return root;
    }

    private static void Add(Command parent, string name, string description, Func<string, Handler> handlerFor, params Option[] options)
    {
        var command = new Command(name, description);
        foreach (var option in options)
        {
            command.Options.Add(option);
        }

        string path = parent is RootCommand ? name : $"{parent.Name} {name}";
        var handler = handlerFor(path);
        command.SetAction((result, cancellationToken) => handler(ToArguments(path, result, options), cancellationToken));
        parent.Subcommands.Add(command);
    }

    private static CliArguments ToArguments(string path, ParseResult result, Option[] options)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var flags = new HashSet<string>(StringComparer.Ordinal);
        foreach (var option in options)
        {
            switch (option)
            {
                case Option<bool> flag when result.GetValue(flag):
                    flags.Add(flag.Name);
                    break;
                case Option<string> text when result.GetValue(text) is { } value:
                    values[text.Name] = value;
                    break;
            }
        }

        return new CliArguments(path.Split(' '), values, flags);
    }

    private static Option[] KeySource() =>
    [
        Text("--ring", "FILE", "A key ring file; its root key is base64 in $ENVELOPE_ROOT_KEY."),
        RootKeyEnv(),
        Text("--keys", "FILE", "A static ring: a JSON object of version -> base64 256-bit key."),
        Text("--active", "N", "With --keys: the version that encrypts (default: the highest)."),
    ];

    private static Option<string> RingFile() => Text("--ring", "FILE", "The key ring file; its root key is base64 in $ENVELOPE_ROOT_KEY.", required: true);

    private static Option<string> RootKeyEnv() => Text("--root-key-env", "NAME", "Read the root key from this environment variable instead.");

    private static Option<string> Version() => Text("--version", "N", "The key version.", required: true);

    private static Option<string> By() => Text("--by", "NAME", "Who makes the change (default: the current user).");

    private static Option<string> Aad() => Text("--aad", "TEXT", "UTF-8 associated data bound to the ciphertext; the same must be given to decrypt.");

    private static Option<string> In() => Text("--in", "FILE", "Read the lines from FILE instead of stdin.");

    private static Option<string> Text(string name, string helpName, string description, bool required = false) =>
        new(name) { Description = description, HelpName = helpName, Required = required };

    private static Option<bool> Flag(string name, string description) => new(name) { Description = description };
}
