using System.Security.Cryptography;
using VersionedEnvelope.Internal;

namespace VersionedEnvelope.Storage;

/// <summary>A key ring in one JSON file, sealed by a <see cref="KeyRingProtection"/>.</summary>
/// <remarks>
/// The ring encrypted under a fresh ring key per save, that key wrapped by each protector (an HSM key, a KMS key, a
/// root key), so the file opens with nothing but one of them. A file sealed under a root key alone (the form before
/// protectors) is read with a root key protector and written in the protected form at the next save. Saves take a lock
/// file (so hosts sharing the file serialise), check the revision, write a temporary file, flush it to disk, rename it
/// over the old one and flush the directory: a crash leaves the old file or the new one, never a broken one. Every save
/// removes the temporary files a crashed writer left behind, so no copy of a destroyed key outlives the next save. On
/// Unix the ring, its temporary files and the lock file are created readable and writable by their owner only (0600).
/// </remarks>
public sealed class FileKeyRingStore : ILockingKeyRingStore, IKeyRingChangeSource, IKeyUseStore
{
    private const string TemporarySuffix = ".tmp";
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Creates a store whose ring is protected by a root key held by the process (a shortcut for a <see cref="RootKeyProtector"/>).</summary>
    /// <param name="path">The key ring file.</param>
    /// <param name="rootKey">The 256-bit root key (copied).</param>
    /// <exception cref="ArgumentException">The path is empty or the root key is not 32 bytes.</exception>
    public FileKeyRingStore(string path, ReadOnlySpan<byte> rootKey)
        : this(path, new KeyRingProtection([new RootKeyProtector(rootKey)]))
    {
    }

    /// <summary>Creates a store whose root key is asked for on every load and save (for keys held in a vault).</summary>
    /// <param name="path">The key ring file.</param>
    /// <param name="rootKeyProvider">Returns the 256-bit root key; the store clears the returned array after use.</param>
    public FileKeyRingStore(string path, Func<byte[]> rootKeyProvider)
        : this(path, new KeyRingProtection([new RootKeyProtector(rootKeyProvider)]))
    {
    }

    /// <summary>Creates a store whose ring is sealed by <paramref name="protection"/> (an HSM, a KMS, a root key, or several).</summary>
    /// <param name="path">The key ring file.</param>
    /// <param name="protection">Seals each save and opens each load.</param>
    /// <param name="ringName">The ring's name, bound to the sealed document; <c>default</c> when omitted.</param>
    public FileKeyRingStore(string path, KeyRingProtection protection, string ringName = DefaultRingName)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(protection);
        ArgumentException.ThrowIfNullOrWhiteSpace(ringName);
        Path = System.IO.Path.GetFullPath(path);
        Protection = protection;
        RingName = ringName;
    }

    /// <summary>The ring name of a store that names none.</summary>
    public const string DefaultRingName = "default";

    /// <summary>What seals and opens the file.</summary>
    public KeyRingProtection Protection { get; }

    /// <summary>The ring's name, bound to the sealed document.</summary>
    public string RingName { get; }

    /// <summary>The key ring file's full path.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public bool CanSave => true;

    /// <summary>Test seam: runs after the temporary file is written and flushed, before the rename.</summary>
    internal Action<string>? BeforeRename { get; set; }

    /// <summary>
    /// Watches the file's folder for the ring being replaced (every save renames a new file over it), written or
    /// created.
    /// </summary>
    /// <param name="changed">Called when the file may have changed.</param>
    /// <param name="failed">Called when the watcher reports an error (its buffer overflowed, say); it keeps watching.</param>
    /// <returns>Stops watching when disposed.</returns>
    /// <remarks>
    /// The folder is created when missing (the first save would create it). Change events can be lost under load; the
    /// manager's periodic refresh covers that.
    /// </remarks>
    public IDisposable Watch(Action changed, Action<Exception> failed)
    {
        ArgumentNullException.ThrowIfNull(changed);
        ArgumentNullException.ThrowIfNull(failed);
        string directory = System.IO.Path.GetDirectoryName(Path)!;
        Directory.CreateDirectory(directory);
        var watcher = new FileSystemWatcher(directory, System.IO.Path.GetFileName(Path))
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
        };
        watcher.Changed += (_, _) => changed();
        watcher.Created += (_, _) => changed();
        watcher.Renamed += (_, _) => changed();
        watcher.Error += (_, e) =>
        {
            failed(e.GetException());
            changed(); // an overflow may have dropped a change: look once
        };
        watcher.EnableRaisingEvents = true;
        return watcher;
    }

    /// <summary>Creates a fresh random 256-bit root key.</summary>
    /// <returns>The key; keep it outside the key ring file (an environment variable, a vault).</returns>
    public static byte[] GenerateRootKey() => RandomNumberGenerator.GetBytes(Ve1Layout.KeySize);

    /// <inheritdoc />
    public async ValueTask<StoredKeyRing?> LoadAsync(CancellationToken cancellationToken = default)
    {
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(Path, cancellationToken).ConfigureAwait(false);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }

        return await Protection.OpenAsync(bytes, RingName, Source, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<long> SaveAsync(KeyRing ring, long expectedRevision, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ring);
        using var fileLock = await AcquireLockAsync(cancellationToken).ConfigureAwait(false);
        long current = (await LoadLockedAsync(cancellationToken).ConfigureAwait(false))?.Revision ?? 0;
        if (current != expectedRevision)
        {
            throw new KeyRingConcurrencyException(expectedRevision, current);
        }

        return await WriteLockedAsync(ring, current + 1, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<StoredKeyRing?> UpdateAsync(Func<StoredKeyRing?, KeyRing?> change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        using var fileLock = await AcquireLockAsync(cancellationToken).ConfigureAwait(false);
        var stored = await LoadLockedAsync(cancellationToken).ConfigureAwait(false);
        var next = change(stored);
        if (next is null || ReferenceEquals(next, stored?.Ring))
        {
            return stored;
        }

        long revision = await WriteLockedAsync(next, (stored?.Revision ?? 0) + 1, cancellationToken).ConfigureAwait(false);
        return new StoredKeyRing(next, revision);
    }

    /// <summary>
    /// Changes who can open the file without changing the ring (see <see cref="KeyRingProtection.ReprotectAsync"/>), under
    /// the file's lock and with the same atomic replace as a save. The revision stays: no key version changed.
    /// </summary>
    /// <param name="add">Protectors to add.</param>
    /// <param name="removeKeyIds">Key ids of protectors to remove.</param>
    /// <param name="cancellationToken">Cancels before the file is replaced.</param>
    /// <returns>The key ids the file accepts afterwards.</returns>
    /// <exception cref="InvalidOperationException">The change would leave no protector this host can open, or names an unknown key id.</exception>
    public async Task<IReadOnlyList<string>> ReprotectAsync(
        IEnumerable<IKeyRingProtector> add,
        IEnumerable<string> removeKeyIds,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(add);
        ArgumentNullException.ThrowIfNull(removeKeyIds);
        using var fileLock = await AcquireLockAsync(cancellationToken).ConfigureAwait(false);
        byte[] document = await File.ReadAllBytesAsync(Path, cancellationToken).ConfigureAwait(false);
        byte[] changed = await Protection.ReprotectAsync(document, RingName, Source, add, removeKeyIds, cancellationToken).ConfigureAwait(false);
        var keyIds = KeyRingProtection.GetKeyIds(changed, Source);
        await WriteLockedAsync(changed, cancellationToken).ConfigureAwait(false);
        return keyIds;
    }

    /// <inheritdoc />
    /// <remarks>The counts live beside the ring, in <c>{Path}.uses</c> (not secret: numbers by version).</remarks>
    public async ValueTask<IReadOnlyDictionary<int, long>> LoadUsesAsync(CancellationToken cancellationToken = default) =>
        await KeyUseFile.ReadAsync(UsesPath, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    /// <remarks>Under the ring's lock file: read, add, written to a temporary file and renamed into place.</remarks>
    public async ValueTask<IReadOnlyDictionary<int, long>> AddUsesAsync(IReadOnlyDictionary<int, long> uses, CancellationToken cancellationToken = default)
    {
        KeyUseCounts.ThrowIfInvalid(uses);
        using var fileLock = await AcquireLockAsync(cancellationToken).ConfigureAwait(false);
        var totals = KeyUseCounts.AddTo(await KeyUseFile.ReadAsync(UsesPath, cancellationToken).ConfigureAwait(false), uses);
        var options = OwnerOnly(FileMode.CreateNew, FileAccess.Write, FileOptions.None);
        await KeyUseFile.WriteAsync(UsesPath, totals, options, cancellationToken).ConfigureAwait(false);
        return totals;
    }

    private string UsesPath => Path + ".uses";

    private async Task<StoredKeyRing?> LoadLockedAsync(CancellationToken cancellationToken) =>
        File.Exists(Path)
            ? await Protection.OpenAsync(
                await File.ReadAllBytesAsync(Path, cancellationToken).ConfigureAwait(false), RingName, Source, cancellationToken).ConfigureAwait(false)
            : null;

    /// <summary>Under the lock: seals the ring and writes it.</summary>
    private async Task<long> WriteLockedAsync(KeyRing ring, long revision, CancellationToken cancellationToken)
    {
        byte[] document = await Protection.SealAsync(ring, revision, RingName, cancellationToken).ConfigureAwait(false);
        await WriteLockedAsync(document, cancellationToken).ConfigureAwait(false);
        return revision;
    }

    /// <summary>Under the lock: removes stale temporary files, writes the document durably and renames it into place.</summary>
    private async Task WriteLockedAsync(byte[] content, CancellationToken cancellationToken)
    {
        RemoveStaleTemporaryFiles();
        string temporary = $"{Path}.{Guid.NewGuid():N}{TemporarySuffix}";
        try
        {
            var stream = new FileStream(temporary, OwnerOnly(FileMode.CreateNew, FileAccess.Write, FileOptions.Asynchronous));
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            BeforeRename?.Invoke(temporary);
            cancellationToken.ThrowIfCancellationRequested();
            File.Move(temporary, Path, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(content);
        }

        DirectorySync.Flush(System.IO.Path.GetDirectoryName(Path)!);
    }

    /// <summary>
    /// Temporary files of this ring that a writer killed mid-save left behind: they may hold key material that a later
    /// destroy removed from the ring, so they go. Only called under the lock, when no other writer has one open.
    /// </summary>
    private void RemoveStaleTemporaryFiles()
    {
        string directory = System.IO.Path.GetDirectoryName(Path)!;
        string pattern = System.IO.Path.GetFileName(Path) + ".*" + TemporarySuffix;
        foreach (string stale in Directory.EnumerateFiles(directory, pattern))
        {
            TryDelete(stale);
        }
    }

    private string Source => $"key ring file '{Path}'";

    private async Task<FileStream> AcquireLockAsync(CancellationToken cancellationToken)
    {
        string? directory = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        // A monotonic clock: a wall clock that jumps must not cut the wait short or make it endless.
        long started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            try
            {
                var lockFile = new FileStream(Path + ".lock", OwnerOnly(FileMode.OpenOrCreate, FileAccess.ReadWrite, FileOptions.None));
                if (!OperatingSystem.IsWindows())
                {
                    // A lock file made by an older version may be 0644: it holds nothing, but nothing of the ring's is world-readable.
                    File.SetUnixFileMode(lockFile.SafeFileHandle, OwnerReadWrite);
                }

                return lockFile;
            }
            catch (IOException) when (TimeProvider.System.GetElapsedTime(started) < LockTimeout)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Options for a file that only its owner may read and write (0600 on Unix; Windows keeps its ACLs).</summary>
    private static FileStreamOptions OwnerOnly(FileMode mode, FileAccess access, FileOptions options)
    {
        var result = new FileStreamOptions { Mode = mode, Access = access, Share = FileShare.None, Options = options, BufferSize = 4096 };
        if (!OperatingSystem.IsWindows())
        {
            result.UnixCreateMode = OwnerReadWrite;
        }

        return result;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
