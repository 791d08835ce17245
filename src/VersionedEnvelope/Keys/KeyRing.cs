using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace VersionedEnvelope;

/// <summary>
/// An immutable snapshot of the key versions: exactly one active, any number decrypt-only, retired or destroyed,
/// plus the audit trail. The encryptor reads the current snapshot without locks; a rotation swaps in a new one.
/// </summary>
public sealed class KeyRing
{
    private readonly Dictionary<int, EnvelopeKey> _byVersion;

    /// <summary>Creates a ring from its key versions, audit trail and blind index keys.</summary>
    /// <param name="keys">The key versions; versions are unique and exactly one is <see cref="KeyState.Active"/>.</param>
    /// <param name="history">The audit trail, oldest first; empty when null.</param>
    /// <param name="indexKeys">
    /// The blind index keys, versioned apart from <paramref name="keys"/>; none when null. Versions are unique, each has
    /// its material, and the newest computes new indexes.
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="keys"/> is null or holds null.</exception>
    /// <exception cref="ArgumentException">Versions repeat, not exactly one version is active, or an index key has no material.</exception>
    public KeyRing(IEnumerable<EnvelopeKey> keys, IEnumerable<KeyRingEvent>? history = null, IEnumerable<EnvelopeKey>? indexKeys = null)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var index = new SortedDictionary<int, EnvelopeKey>();
        foreach (var key in indexKeys ?? [])
        {
            ArgumentNullException.ThrowIfNull(key, nameof(indexKeys));
            if (!key.HasMaterial || !index.TryAdd(key.Version, key))
            {
                throw new ArgumentException($"Index key version {key.Version} appears more than once or has no material.", nameof(indexKeys));
            }
        }

        IndexKeys = [.. index.Values];
        _byVersion = [];
        EnvelopeKey? active = null;
        foreach (var key in keys)
        {
            ArgumentNullException.ThrowIfNull(key, nameof(keys));
            if (!_byVersion.TryAdd(key.Version, key))
            {
                throw new ArgumentException($"Key version {key.Version} appears more than once.", nameof(keys));
            }

            if (key.State == KeyState.Active)
            {
                if (active is not null)
                {
                    throw new ArgumentException($"Key versions {active.Version} and {key.Version} are both active; exactly one may be.", nameof(keys));
                }

                active = key;
            }
        }

        ActiveKey = active ?? throw new ArgumentException("No key version is active; exactly one must be.", nameof(keys));
        Keys = [.. _byVersion.Values.OrderBy(k => k.Version)];
        History = history is null ? [] : [.. history];
        NextActivation = Keys.Where(k => k.State == KeyState.Pending).Min(k => k.ActivatesAt);
    }

    /// <summary>The earliest time a <see cref="KeyState.Pending"/> version becomes active; <see langword="null"/> when none is pending.</summary>
    public DateTimeOffset? NextActivation { get; }

    /// <summary>The ring as it stands at <paramref name="now"/>.</summary>
    /// <param name="now">The moment.</param>
    /// <returns>The ring in effect at <paramref name="now"/>.</returns>
    /// <remarks>
    /// The newest pending version whose activation time has come becomes active, the version it replaces and any other
    /// due pending version become <see cref="KeyState.DecryptOnly"/>. The same ring read at the same moment gives the
    /// same answer on every host. Returns this ring when nothing is due.
    /// </remarks>
    public KeyRing AsOf(DateTimeOffset now)
    {
        if (NextActivation is not { } next || next > now)
        {
            return this;
        }

        var due = Keys.Where(k => k.State == KeyState.Pending && k.ActivatesAt <= now).ToList();
        int activating = due[^1].Version;
        if (activating < ActiveVersion)
        {
            // A pending version older than the active one never takes over: it only decrypts.
            activating = ActiveVersion;
        }

        var keys = Keys.Select(k =>
            k.Version == activating ? k.WithState(KeyState.Active)
            : k.State == KeyState.Active || due.Contains(k) ? k.WithState(KeyState.DecryptOnly)
            : k);
        return new KeyRing(keys, History, IndexKeys);
    }

    /// <summary>The version that encrypts.</summary>
    public EnvelopeKey ActiveKey { get; }

    /// <summary>The active version's number.</summary>
    public int ActiveVersion => ActiveKey.Version;

    /// <summary>
    /// The oldest version that still decrypts (active, decrypt-only or pending): Vault's <c>min_decryption_version</c>,
    /// derived from the states.
    /// </summary>
    /// <remarks>A version below it may still be in the ring, retired (reinstatable) or destroyed; versions above it may be retired too.</remarks>
    public int MinDecryptionVersion => Keys.First(k => k.State is KeyState.Active or KeyState.DecryptOnly or KeyState.Pending).Version;

    /// <summary>The highest version in the ring (a rotation creates this plus one).</summary>
    public int LatestVersion => Keys[^1].Version;

    /// <summary>Every key version, in ascending order.</summary>
    public IReadOnlyList<EnvelopeKey> Keys { get; }

    /// <summary>The audit trail, oldest first.</summary>
    public IReadOnlyList<KeyRingEvent> History { get; }

    /// <summary>
    /// The blind index keys, oldest first. They are versioned apart from <see cref="Keys"/> (a rotation of data keys
    /// leaves them as they are); the newest computes new indexes and lookups ask for every one.
    /// </summary>
    public IReadOnlyList<EnvelopeKey> IndexKeys { get; }

    /// <summary>The newest blind index key, or <see langword="null"/> when the ring has none.</summary>
    public EnvelopeKey? ActiveIndexKey => IndexKeys.Count == 0 ? null : IndexKeys[^1];

    /// <summary>Finds a blind index key version.</summary>
    /// <param name="version">The index key version.</param>
    /// <param name="key">The key, when found.</param>
    /// <returns>Whether the ring has the version.</returns>
    public bool TryGetIndexKey(int version, [NotNullWhen(true)] out EnvelopeKey? key)
    {
        key = IndexKeys.FirstOrDefault(k => k.Version == version);
        return key is not null;
    }

    /// <summary>Returns a ring with the given blind index keys, the same data keys, and the event appended to the history.</summary>
    /// <param name="indexKeys">The index keys of the new ring.</param>
    /// <param name="keyRingEvent">The audit event to append, if any.</param>
    /// <returns>The new ring.</returns>
    public KeyRing WithIndexKeys(IEnumerable<EnvelopeKey> indexKeys, KeyRingEvent? keyRingEvent = null)
    {
        ArgumentNullException.ThrowIfNull(indexKeys);
        return new KeyRing(Keys, keyRingEvent is null ? History : History.Append(keyRingEvent), indexKeys);
    }

    /// <summary>Creates a ring with one fresh active key, version 1, and a blind index key, version 1.</summary>
    /// <param name="timeProvider">The clock for the creation time; <see cref="TimeProvider.System"/> when omitted.</param>
    /// <returns>The new ring.</returns>
    public static KeyRing CreateNew(TimeProvider? timeProvider = null)
    {
        var now = (timeProvider ?? TimeProvider.System).GetUtcNow();
        return new([EnvelopeKey.Generate(1, KeyState.Active, now)], null, [EnvelopeKey.Generate(1, KeyState.Active, now)]);
    }

    /// <summary>Creates a ring from raw 256-bit keys: the given version active, every other one decrypt-only.</summary>
    /// <param name="keys">Key material by version; each exactly 32 bytes.</param>
    /// <param name="activeVersion">The version that encrypts; must be among <paramref name="keys"/>.</param>
    /// <param name="timeProvider">The clock for the creation times; <see cref="TimeProvider.System"/> when omitted.</param>
    /// <returns>The ring.</returns>
    /// <exception cref="ArgumentException">A key is not 32 bytes or <paramref name="activeVersion"/> is missing.</exception>
    public static KeyRing FromKeys(IReadOnlyDictionary<int, byte[]> keys, int activeVersion, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (!keys.ContainsKey(activeVersion))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The active version {activeVersion} is not among the "
                + $"keys."), nameof(activeVersion));
        }

        var now = (timeProvider ?? TimeProvider.System).GetUtcNow();
        return new KeyRing(keys.Select(pair => new EnvelopeKey(
            pair.Key,
            pair.Key == activeVersion ? KeyState.Active : KeyState.DecryptOnly,
            pair.Value,
            now)));
    }

    /// <summary>Looks a version up.</summary>
    /// <param name="version">The version.</param>
    /// <param name="key">The key, when present.</param>
    /// <returns><see langword="true"/> when the ring has that version.</returns>
    public bool TryGetKey(int version, [NotNullWhen(true)] out EnvelopeKey? key) => _byVersion.TryGetValue(version, out key);

    /// <summary>Returns a ring with one version replaced (same number) and one event appended to the trail.</summary>
    /// <param name="key">The replacement, or a new version.</param>
    /// <param name="keyRingEvent">The audit event, if any.</param>
    /// <returns>The new snapshot; this one is unchanged.</returns>
    public KeyRing With(EnvelopeKey key, KeyRingEvent? keyRingEvent = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        var keys = Keys.Where(k => k.Version != key.Version).Append(key);
        return new KeyRing(keys, keyRingEvent is null ? History : History.Append(keyRingEvent), IndexKeys);
    }

    /// <summary>Describes the versions and states; never key material.</summary>
    /// <returns>For example <c>KeyRing active v3: v1 (Retired), v2 (DecryptOnly), v3 (Active)</c>.</returns>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"KeyRing active v{ActiveVersion}: {string.Join(", ", Keys)}");
}
