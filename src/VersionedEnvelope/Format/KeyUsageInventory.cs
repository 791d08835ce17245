using System.Collections.Concurrent;
using System.Globalization;
using VersionedEnvelope.Internal;

namespace VersionedEnvelope;

/// <summary>
/// How many ciphertexts use each key version, from their headers alone (no key, no decryption): the evidence that a
/// version is unused before it is destroyed. Add ciphertexts one by one (thread-safe) or scan a sequence.
/// </summary>
public sealed class KeyUsageInventory
{
    private readonly ConcurrentDictionary<int, long> _byVersion = new();
    private readonly List<KeyValuePair<string, long>> _sources = [];
    private long _legacy;
    private long _malformed;

    /// <summary>The sources <see cref="CollectAsync"/> counted, each with how many ciphertexts it holds; empty for an inventory built by hand.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> Sources => _sources;

    /// <summary>When <see cref="CollectAsync"/> finished counting; <see langword="null"/> for an inventory built by hand.</summary>
    public DateTimeOffset? TakenAt { get; private set; }

    /// <summary>Counts every source into one inventory, recording each source's total and the time: the proof automatic retirement and destroy use.</summary>
    /// <param name="sources">The sources; each is counted once, one after another.</param>
    /// <param name="timeProvider">The clock for <see cref="TakenAt"/>; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="cancellationToken">Cancels the counting.</param>
    /// <returns>The merged inventory.</returns>
    /// <exception cref="ArgumentException">There is no source: an inventory of nothing proves nothing.</exception>
    public static async Task<KeyUsageInventory> CollectAsync(
        IEnumerable<IKeyUsageSource> sources, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var inventory = new KeyUsageInventory();
        foreach (var source in sources)
        {
            var counted = await source.CountAsync(cancellationToken).ConfigureAwait(false);
            inventory.Add(counted);
            inventory._sources.Add(new(source.Name, counted.Total));
        }

        if (inventory._sources.Count == 0)
        {
            throw new ArgumentException("No key usage source is registered, so no inventory can show a version unused.", nameof(sources));
        }

        inventory.TakenAt = (timeProvider ?? TimeProvider.System).GetUtcNow();
        return inventory;
    }

    /// <summary>The inventory as evidence about one version, for an audit entry.</summary>
    /// <param name="version">The key version judged.</param>
    /// <returns>For example <c>inventory at 2026-12-07T10:00:00.000Z of MissionDbContext (10000): 0 under v1, 10000 in all</c>.</returns>
    public string Describe(int version)
    {
        string when = TakenAt is { } at ? " at " + RotationHistoryJson.FormatTimestamp(at) : "";
        string of = _sources.Count == 0
            ? ""
            : " of " + string.Join(", ", _sources.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key} ({p.Value})")));
        return string.Create(CultureInfo.InvariantCulture, $"inventory{when}{of}: {CountOf(version)} under v{version}, {Total} in all");
    }

    /// <summary>Counts by key version, ascending.</summary>
    public IReadOnlyDictionary<int, long> CountsByVersion => new SortedDictionary<int, long>(_byVersion);

    /// <summary>
    /// Inputs without a VE1 header that may be pre-versioning (legacy) ciphertexts: binary ones long enough to be one,
    /// and texts that are standard base64 of such bytes (how legacy values were stored in text columns).
    /// </summary>
    public long Legacy => Interlocked.Read(ref _legacy);

    /// <summary>Inputs that are neither VE1 nor possibly legacy.</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

    /// <summary>Every input counted.</summary>
    public long Total => _byVersion.Values.Sum() + Legacy + Malformed;

    /// <summary>Scans text-form ciphertexts.</summary>
    /// <param name="ciphertexts">Text-form ciphertexts (<c>ve1:vN:…</c>).</param>
    /// <returns>The inventory.</returns>
    public static KeyUsageInventory Scan(IEnumerable<string?> ciphertexts)
    {
        ArgumentNullException.ThrowIfNull(ciphertexts);
        var inventory = new KeyUsageInventory();
        foreach (var text in ciphertexts)
        {
            inventory.Add(text);
        }

        return inventory;
    }

    /// <summary>Scans binary ciphertexts.</summary>
    /// <param name="ciphertexts">Binary ciphertexts.</param>
    /// <returns>The inventory.</returns>
    public static KeyUsageInventory Scan(IEnumerable<byte[]> ciphertexts)
    {
        ArgumentNullException.ThrowIfNull(ciphertexts);
        var inventory = new KeyUsageInventory();
        foreach (var binary in ciphertexts)
        {
            inventory.Add(binary);
        }

        return inventory;
    }

    /// <summary>Scans text-form ciphertexts from an asynchronous source (a database query).</summary>
    /// <param name="ciphertexts">Text-form ciphertexts.</param>
    /// <param name="cancellationToken">Cancels the scan.</param>
    /// <returns>The inventory.</returns>
    public static async Task<KeyUsageInventory> ScanAsync(IAsyncEnumerable<string?> ciphertexts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ciphertexts);
        var inventory = new KeyUsageInventory();
        await foreach (var text in ciphertexts.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            inventory.Add(text);
        }

        return inventory;
    }

    /// <summary>Counts one text-form ciphertext.</summary>
    /// <param name="ciphertext">
    /// The text: a VE1 text form counts under its version, standard base64 of a possible legacy ciphertext as legacy,
    /// anything else as malformed.
    /// </param>
    public void Add(string? ciphertext)
    {
        if (EnvelopeFormat.TryGetKeyVersion(ciphertext, out int version))
        {
            CountVersion(version);
        }
        else if (ciphertext is not null && !EnvelopeFormat.IsTextForm(ciphertext) && IsLegacyText(ciphertext))
        {
            Interlocked.Increment(ref _legacy);
        }
        else
        {
            Interlocked.Increment(ref _malformed);
        }
    }

    /// <summary>Counts one binary ciphertext: a VE1 message or a whole VE1 stream by its version, other bytes as legacy or malformed.</summary>
    /// <param name="ciphertext">The bytes.</param>
    public void Add(ReadOnlySpan<byte> ciphertext)
    {
        if (EnvelopeFormat.TryGetKeyVersion(ciphertext, out int version)
            || (ciphertext.Length >= Streams.EnvelopeStreamFormat.MinLength && Streams.EnvelopeStreamFormat.TryGetKeyVersion(ciphertext, out version)))
        {
            CountVersion(version);
        }
        else if (ciphertext.Length >= EnvelopeConstants.LegacyOverhead)
        {
            Interlocked.Increment(ref _legacy);
        }
        else
        {
            Interlocked.Increment(ref _malformed);
        }
    }

    /// <summary>An inventory of ciphertexts counted elsewhere, for example by a database's <c>GROUP BY</c> on their headers.</summary>
    /// <param name="countsByVersion">How many ciphertexts each key version (1 or more) has, each zero or more.</param>
    /// <param name="legacy">Possible legacy ciphertexts, zero or more.</param>
    /// <param name="malformed">Inputs that are neither, zero or more.</param>
    /// <returns>The inventory.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A version below 1, or a negative count.</exception>
    public static KeyUsageInventory FromCounts(IReadOnlyDictionary<int, long> countsByVersion, long legacy = 0, long malformed = 0)
    {
        ArgumentNullException.ThrowIfNull(countsByVersion);
        ArgumentOutOfRangeException.ThrowIfNegative(legacy);
        ArgumentOutOfRangeException.ThrowIfNegative(malformed);
        var inventory = new KeyUsageInventory { _legacy = legacy, _malformed = malformed };
        foreach (var (version, count) in countsByVersion)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(version, 1, nameof(countsByVersion));
            ArgumentOutOfRangeException.ThrowIfNegative(count, nameof(countsByVersion));
            inventory._byVersion[version] = count;
        }

        return inventory;
    }

    /// <summary>
    /// Adds another inventory's counts to this one: a key version used by several columns or tables needs all of their
    /// counts in one inventory before <c>KeyRingManager.DestroyAsync</c> can judge it unused.
    /// </summary>
    /// <param name="other">The other inventory.</param>
    /// <exception cref="OverflowException">A count would exceed <see cref="long.MaxValue"/>.</exception>
    public void Add(KeyUsageInventory other)
    {
        ArgumentNullException.ThrowIfNull(other);
        foreach (var (version, count) in other.CountsByVersion)
        {
            _byVersion.AddOrUpdate(version, count, (_, n) => checked(n + count));
        }

        Interlocked.Add(ref _legacy, other.Legacy);
        Interlocked.Add(ref _malformed, other.Malformed);
    }

    /// <summary>How many ciphertexts use a version.</summary>
    /// <param name="version">The key version.</param>
    /// <returns>The count, 0 when none.</returns>
    public long CountOf(int version) => _byVersion.TryGetValue(version, out long count) ? count : 0;

    /// <summary>Whether the text is standard base64 of at least a legacy ciphertext's overhead (the whole text is decoded to check).</summary>
    private static bool IsLegacyText(string text) =>
        text.Length % 4 == 0
        && (text.Length / 4 * 3) - (text.EndsWith("==", StringComparison.Ordinal) ? 2 : text.EndsWith('=') ? 1 : 0) >= EnvelopeConstants.LegacyOverhead
        && Convert.TryFromBase64String(text, new byte[text.Length / 4 * 3], out _);

    private void CountVersion(int version) => _byVersion.AddOrUpdate(version, 1, static (_, n) => n + 1);

    /// <summary>Describes the counts.</summary>
    /// <returns>For example <c>v1: 0, v2: 12, legacy: 0, malformed: 1</c>.</returns>
    public override string ToString() =>
        string.Join(", ", CountsByVersion.Select(p => string.Create(CultureInfo.InvariantCulture, $"v{p.Key}: {p.Value}"))
            .Append(string.Create(CultureInfo.InvariantCulture, $"legacy: {Legacy}, malformed: {Malformed}")));
}
