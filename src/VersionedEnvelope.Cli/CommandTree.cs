using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace VersionedEnvelope.Cli;

/// <summary>
/// The tool's commands and options for System.CommandLine, which parses (including <c>--name=value</c>), generates the
/// help and answers <c>--version</c>. Each command binds its typed options once and calls its handler with the values.
/// </summary>
internal static class CommandTree
{
    public static RootCommand Build(Cli cli)
    {
        var root = new RootCommand(HelpText.Main);
        var ring = new Command("ring", HelpText.Ring);
        root.Subcommands.Add(ring);

        var create = Add(ring, "create", HelpText.RingCreate);
        var createRing = RingSource(create);
        create.SetAction((result, ct) => cli.RingCreateAsync(createRing.Bind(result), ct));

        var rotate = Add(ring, "rotate", HelpText.RingRotate);
        var rotateRing = RingSource(rotate);
        var rotateBy = Option(rotate, Text("--by", "NAME", "Who rotates (recorded in the audit trail).", required: true));
        rotate.SetAction((result, ct) => cli.RingRotateAsync(rotateRing.Bind(result), result.GetRequiredValue(rotateBy), ct));

        var rotateIndex = Add(ring, "rotate-index-key", HelpText.RingRotateIndexKey);
        var rotateIndexRing = RingSource(rotateIndex);
        var rotateIndexBy = Option(rotateIndex, Text("--by", "NAME", "Who rotates (recorded in the audit trail).", required: true));
        rotateIndex.SetAction((result, ct) => cli.RingRotateIndexKeyAsync(rotateIndexRing.Bind(result), result.GetRequiredValue(rotateIndexBy), ct));

        var show = Add(ring, "show", HelpText.RingShow);
        var showRing = RingSource(show);
        var rotationDays = Option(show, PositiveNumber(
            "--rotation-days", "DAYS", "The hosts' KeyRingOptions.RotationPeriod in days, to print the next automatic rotation.", required: false));
        var maxDataKeys = Option(show, Text(
            "--max-data-keys", "N", "The hosts' KeyRingOptions.MaxDataKeysPerVersion (default 1073741824), to print each version's use against it."));
        show.SetAction((result, ct) => cli.RingShowAsync(showRing.Bind(result), result.GetValue(rotationDays), result.GetValue(maxDataKeys), ct));

        var retire = Add(ring, "retire", HelpText.RingRetire);
        var retireRing = RingSource(retire);
        var (retireVersion, retireBy) = (Option(retire, Version()), Option(retire, By()));
        retire.SetAction((result, ct) => cli.RingRetireAsync(retireRing.Bind(result), (int)result.GetValue(retireVersion)!, result.GetValue(retireBy), ct));

        var reinstate = Add(ring, "reinstate", HelpText.RingReinstate);
        var reinstateRing = RingSource(reinstate);
        var (reinstateVersion, reinstateBy) = (Option(reinstate, Version()), Option(reinstate, By()));
        reinstate.SetAction((result, ct) =>
            cli.RingReinstateAsync(reinstateRing.Bind(result), (int)result.GetValue(reinstateVersion)!, result.GetValue(reinstateBy), ct));

        var protect = Add(ring, "protect", HelpText.RingProtect);
        var protectRing = RingSource(protect);
        var add = Option(protect, Text(
            "--add",
            "PROTECTOR",
            "Add a protector: 'root-key:VARIABLE' (base64 in that environment variable) or 'pkcs11' (the token in $ENVELOPE_PKCS11_*)."));
        var remove = Option(protect, Text("--remove", "KEYID", "Remove the protector with this key id ('ring show' lists them)."));
        protect.SetAction((result, ct) => cli.RingProtectAsync(protectRing.Bind(result), result.GetValue(add), result.GetValue(remove), ct));

        var destroy = Add(ring, "destroy", HelpText.RingDestroy);
        var destroyRing = RingSource(destroy);
        var (destroyVersion, destroyBy) = (Option(destroy, Version()), Option(destroy, By()));
        var evidence = Option(destroy, File("--in", "Every stored ciphertext in text form, one per line: the evidence that nothing needs version N."));
        var force = Option(destroy, Flag("--force", "Destroy even if ciphertexts may still use the version."));
        destroy.SetAction((result, ct) => cli.RingDestroyAsync(
            destroyRing.Bind(result),
            (int)result.GetValue(destroyVersion)!,
            result.GetValue(destroyBy),
            result.GetValue(evidence),
            result.GetValue(force),
            ct));

        var encrypt = Add(root, "encrypt", HelpText.Encrypt);
        var encryptKeys = AnySource(encrypt);
        var encryptAad = Option(encrypt, Aad());
        var text = Option(encrypt, Flag("--text", "Write the text form 've1:vN:...' instead of binary."));
        var encryptIn = Option(encrypt, File("--in", "Encrypt this file as a VE1 stream (with --out), whatever its size."));
        var encryptOut = Option(encrypt, File("--out", "Where the VE1 stream goes; it appears only when complete."));
        encrypt.SetAction((result, ct) => cli.EncryptAsync(
            encryptKeys.Bind(result), result.GetValue(encryptAad), result.GetValue(text), result.GetValue(encryptIn), result.GetValue(encryptOut), ct));

        var decrypt = Add(root, "decrypt", HelpText.Decrypt);
        var decryptKeys = AnySource(decrypt);
        var decryptAad = Option(decrypt, Aad());
        var decryptIn = Option(decrypt, File("--in", "Read the ciphertext from FILE: a VE1 stream, or a message as on stdin."));
        var decryptOut = Option(decrypt, File("--out", "Write the plaintext to FILE; a stream's appears only when every segment verified."));
        decrypt.SetAction((result, ct) => cli.DecryptAsync(
            decryptKeys.Bind(result), result.GetValue(decryptAad), result.GetValue(decryptIn), result.GetValue(decryptOut), ct));

        var inspect = Add(root, "inspect", HelpText.Inspect);
        inspect.SetAction((_, ct) => cli.InspectAsync(ct));

        var inventory = Add(root, "inventory", HelpText.Inventory);
        var inventoryIn = Option(inventory, In());
        inventory.SetAction((result, ct) => cli.InventoryAsync(result.GetValue(inventoryIn), ct));

        var rewrap = Add(root, "rewrap", HelpText.Rewrap);
        var rewrapKeys = AnySource(rewrap);
        var rewrapIn = Option(rewrap, In());
        var rewrapOut = Option(rewrap, File("--out", "Write to FILE, atomically and only when every line was rewrapped."));
        var rewrapInPlace = Option(rewrap, File("--in-place", "Rewrap one VE1 stream file in place: only its first 67 bytes are written."));
        rewrap.SetAction((result, ct) => cli.RewrapAsync(
            rewrapKeys.Bind(result), result.GetValue(rewrapIn), result.GetValue(rewrapOut), result.GetValue(rewrapInPlace), ct));
        return root;
    }

    private static Command Add(Command parent, string name, string description)
    {
        var command = new Command(name, description);
        parent.Subcommands.Add(command);
        return command;
    }

    private static Option<T> Option<T>(Command command, Option<T> option)
    {
        command.Options.Add(option);
        return option;
    }

    /// <summary>The options of a command that works on a key ring file: --ring (required) and --root-key-env.</summary>
    private static KeySourceOptions RingSource(Command command) => new(
        Option(command, File("--ring", "The key ring file; its root key is base64 in $ENVELOPE_ROOT_KEY.", required: true)),
        Option(command, RootKeyEnv()),
        Keys: null,
        Active: null);

    /// <summary>The options of a command that takes its keys from a ring file or a static keys file.</summary>
    private static KeySourceOptions AnySource(Command command) => new(
        Option(command, File("--ring", "A key ring file; its root key is base64 in $ENVELOPE_ROOT_KEY.")),
        Option(command, RootKeyEnv()),
        Option(command, File("--keys", "A static ring: a JSON object of version -> base64 256-bit key.")),
        Option(command, PositiveNumber("--active", "N", "With --keys: the version that encrypts (default: the highest).", required: false)));

    private sealed record KeySourceOptions(Option<FileInfo> Ring, Option<string> RootKeyEnv, Option<FileInfo>? Keys, Option<int?>? Active)
    {
        public KeySourceArguments Bind(ParseResult result) => new(
            result.GetValue(Ring),
            result.GetValue(RootKeyEnv),
            Keys is null ? null : result.GetValue(Keys),
            Active is null ? null : result.GetValue(Active));
    }

    private static Option<string> RootKeyEnv() => Text("--root-key-env", "NAME", "Read the root key from this environment variable instead.");

    private static Option<int?> Version() => PositiveNumber("--version", "N", "The key version.", required: true);

    private static Option<string> By() => Text("--by", "NAME", "Who makes the change (default: the current user).");

    private static Option<string> Aad() => Text("--aad", "TEXT", "UTF-8 associated data bound to the ciphertext; the same must be given to decrypt.");

    private static Option<FileInfo> In() => File("--in", "Read the lines from FILE instead of stdin.");

    private static Option<string> Text(string name, string helpName, string description, bool required = false) =>
        new(name) { Description = description, HelpName = helpName, Required = required };

    private static Option<FileInfo> File(string name, string description, bool required = false) =>
        new(name) { Description = description, HelpName = "FILE", Required = required };

    private static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    /// <summary>A whole number above zero; anything else is a usage error that names the option and what was given.</summary>
    private static Option<int?> PositiveNumber(string name, string helpName, string description, bool required) => new(name)
    {
        Description = description,
        HelpName = helpName,
        Required = required,
        CustomParser = result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value > 0)
            {
                return value;
            }

            result.AddError($"Option {name} must be a positive whole number; got '{text}'.");
            return null;
        },
    };
}
