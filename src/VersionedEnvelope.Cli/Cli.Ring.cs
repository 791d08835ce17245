using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace VersionedEnvelope.Cli;

// The ring commands: create, rotate, retire, reinstate, destroy, protect and show a key ring file.
internal sealed partial class Cli
{
    internal async Task<int> RingCreateAsync(KeySourceArguments keys, CancellationToken cancellationToken)
    {
        var store = KeySource.OpenRing(keys, environment);
        if (File.Exists(store.Path))
        {
            throw new UsageException($"{store.Path} exists already; ring create never overwrites a key ring.");
        }

        var ring = KeyRing.CreateNew();
        await store.SaveAsync(ring, 0, cancellationToken);
        string created = string.Create(CultureInfo.InvariantCulture, $"{{\"ring\":{JsonString(store.Path)},\"activeVersion\":{ring.ActiveVersion}}}\n");
        await WriteTextAsync(created, cancellationToken);
        return Success;
    }

    internal Task<int> RingRotateAsync(KeySourceArguments keys, string by, CancellationToken cancellationToken) =>
        RotateAndPrintAsync(keys, manager => manager.RotateAsync(by, cancellationToken), cancellationToken);

    internal Task<int> RingRotateIndexKeyAsync(KeySourceArguments keys, string by, CancellationToken cancellationToken) =>
        RotateAndPrintAsync(keys, manager => manager.RotateIndexKeyAsync(by, cancellationToken), cancellationToken);

    internal Task<int> RingRetireAsync(KeySourceArguments keys, int version, string? by, CancellationToken cancellationToken) =>
        RingStateAsync(keys, version, by, (m, v, who) => m.RetireAsync(v, who, cancellationToken), "retired", cancellationToken);

    internal Task<int> RingReinstateAsync(KeySourceArguments keys, int version, string? by, CancellationToken cancellationToken) =>
        RingStateAsync(keys, version, by, (m, v, who) => m.ReinstateAsync(v, who, cancellationToken), "reinstated", cancellationToken);

    internal Task<int> RingDestroyAsync(
        KeySourceArguments keys, int version, string? by, FileInfo? evidence, bool force, CancellationToken cancellationToken) =>
        RingStateAsync(
            keys,
            version,
            by,
            (m, v, who) => m.DestroyAsync(
                v, who, evidence is null ? null : KeyUsageInventory.Scan(File.ReadLines(evidence.FullName)), force, cancellationToken),
            "destroyed",
            cancellationToken);

    /// <summary>Rotates (data keys or the blind index key) and prints the event as one keyRotationHistory entry.</summary>
    private async Task<int> RotateAndPrintAsync(
        KeySourceArguments keys, Func<KeyRingManager, Task<KeyRotationEvent>> rotate, CancellationToken cancellationToken)
    {
        using var manager = KeySource.OpenManager(keys, environment);
        var rotation = await rotate(manager);
        string history = RotationHistoryJson.Write([rotation]);
        await WriteTextAsync(history[1..^1] + "\n", cancellationToken);
        return Success;
    }

    internal async Task<int> RingProtectAsync(KeySourceArguments keys, string? add, string? remove, CancellationToken cancellationToken)
    {
        if (add is null && remove is null)
        {
            throw new UsageException("Say what to change: --add PROTECTOR, --remove KEYID, or both.");
        }

        var store = KeySource.OpenRing(keys, environment);
        if (!File.Exists(store.Path))
        {
            throw new UsageException($"There is no key ring at {store.Path}.");
        }

        IKeyRingProtector[] added = add is null ? [] : [KeySource.OpenProtector(add, environment)];
        try
        {
            var keyIds = await store.ReprotectAsync(added, remove is null ? [] : [remove], cancellationToken);
            await WriteJsonAsync(
                writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteString("ring", store.Path);
                    writer.WriteStartArray("protectors");
                    foreach (string keyId in keyIds)
                    {
                        writer.WriteStringValue(keyId);
                    }

                    writer.WriteEndArray();
                    writer.WriteEndObject();
                },
                cancellationToken);
            return Success;
        }
        finally
        {
            foreach (var protector in added.OfType<IDisposable>())
            {
                protector.Dispose();
            }
        }
    }

    internal async Task<int> RingShowAsync(KeySourceArguments keys, int? rotationDays, string? maxDataKeys, CancellationToken cancellationToken)
    {
        long limit = new KeyRingOptions().MaxDataKeysPerVersion;
        if (maxDataKeys is not null && (!long.TryParse(maxDataKeys, NumberStyles.None, CultureInfo.InvariantCulture, out limit)
            || limit < 1 || limit > KeyRingOptions.MaxDataKeysPerVersionLimit))
        {
            throw new UsageException($"--max-data-keys must be a whole number from 1 to {KeyRingOptions.MaxDataKeysPerVersionLimit}; it is '{maxDataKeys}'.");
        }

        using var manager = KeySource.OpenManager(keys, environment, new KeyRingOptions
        {
            RefreshInterval = TimeSpan.Zero,
            RotationPeriod = TimeSpan.FromDays(rotationDays ?? 0),
            MaxDataKeysPerVersion = limit,
            RetireWhenUnused = true,
        });
        var ring = await manager.InitializeAsync(cancellationToken);
        var status = await manager.GetStatusAsync(cancellationToken);
        string path = keys.Ring!.FullName;
        var protectors = KeyRingProtection.GetKeyIds(await File.ReadAllBytesAsync(path, cancellationToken), path);
        await WriteJsonAsync(
            writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("ring", path);
                // Revision and last change, for an operator to compare with what monitoring recorded (a restored backup shows older ones).
                writer.WriteNumber("revision", manager.Revision);
                writer.WriteString("lastChangedAt", FormatTime(ring.History.Select(e => e.At).Concat(ring.Keys.Select(k => k.CreatedAt)).Max()));
                writer.WriteNumber("activeVersion", ring.ActiveVersion);
                writer.WriteNumber("minDecryptionVersion", status.MinDecryptionVersion);
                if (status.NextRotationAt is { } nextRotation)
                {
                    writer.WriteString("nextRotationAt", FormatTime(nextRotation));
                }

                writer.WriteNumber("maxDataKeysPerVersion", status.MaxDataKeysPerVersion);
                writer.WriteStartArray("protectors");
                foreach (string keyId in protectors)
                {
                    writer.WriteStringValue(keyId);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("keys");
                foreach (var key in status.Versions)
                {
                    writer.WriteStartObject();
                    writer.WriteNumber("version", key.Version);
                    writer.WriteString("state", key.State.ToString());
                    writer.WriteString("createdAt", FormatTime(key.CreatedAt));
                    if (key.ActivatesAt is { } activatesAt)
                    {
                        writer.WriteString("activatesAt", FormatTime(activatesAt));
                    }

                    writer.WriteNumber("ageDays", Math.Round(key.Age.TotalDays, 2));
                    writer.WriteNumber("dataKeys", key.Uses);
                    if (key.RetirementBlockedBy is { } blocker)
                    {
                        writer.WriteString("retirementBlockedBy", blocker);
                    }

                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteStartArray("indexKeys");
                foreach (var key in ring.IndexKeys)
                {
                    writer.WriteStartObject();
                    writer.WriteNumber("version", key.Version);
                    writer.WriteString("createdAt", FormatTime(key.CreatedAt));
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WritePropertyName("keyRotationHistory");
                writer.WriteRawValue(RotationHistoryJson.Write(manager.GetRotationHistory()));
                writer.WriteStartArray("events");
                foreach (var e in ring.History)
                {
                    writer.WriteStartObject();
                    writer.WriteString("kind", e.Kind.ToString());
                    writer.WriteNumber("version", e.Version);
                    writer.WriteString("at", FormatTime(e.At));
                    writer.WriteString("by", e.By);
                    if (e.Evidence is { } proof)
                    {
                        writer.WriteString("evidence", proof);
                    }

                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            },
            cancellationToken);
        return Success;
    }

    private async Task<int> RingStateAsync(
        KeySourceArguments keys,
        int version,
        string? by,
        Func<KeyRingManager, int, string, Task> change,
        string done,
        CancellationToken cancellationToken)
    {
        using var manager = KeySource.OpenManager(keys, environment);
        await change(manager, version, by ?? Environment.UserName);
        await WriteTextAsync(string.Create(CultureInfo.InvariantCulture, $"{{\"version\":{version},\"state\":\"{done}\"}}\n"), cancellationToken);
        return Success;
    }
}
