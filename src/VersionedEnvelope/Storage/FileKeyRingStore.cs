using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using VersionedEnvelope.Internal;

namespace VersionedEnvelope.Storage;

/// <summary>
/// A key ring in one JSON file. Key material is sealed with AES-256-GCM under a root key the host supplies, each key
/// bound to its version by associated data; versions, states and the audit trail stay readable. Saves take a lock file
/// (so hosts sharing the file serialise), check the revision, write a temporary file, flush it to disk, rename it over
/// the old one and flush the directory: a crash leaves the old file or the new one, never a broken one. Every save
/// removes the temporary files a crashed writer left behind, so no copy of a destroyed key outlives the next save. On
/// Unix the ring, its temporary files and the lock file are created readable and writable by their owner only (0600).
/// </summary>
public sealed class FileKeyRingStore : ILockingKeyRingStore
{
    private const string TemporarySuffix = ".tmp";
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);
    private readonly Func<byte[]> _rootKeyProvider;

    /// <summary>Creates a store whose root key is fixed.</summary>
    /// <param name="path">The key ring file.</param>
    /// <param name="rootKey">The 256-bit root key (copied).</param>
    /// <exception cref="ArgumentException">The path is empty or the root key is not 32 bytes.</exception>
    public FileKeyRingStore(string path, ReadOnlySpan<byte> rootKey)
        : this(path, CopyRootKey(rootKey))
    {
    }

    /// <summary>Creates a store that asks for the root key on every load and save (for keys held in a vault).</summary>
    /// <param name="path">The key ring file.</param>
    /// <param name="rootKeyProvider">Returns the 256-bit root key; the store clears the returned array after use.</param>
    public FileKeyRingStore(string path, Func<byte[]> rootKeyProvider)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(rootKeyProvider);
        Path = System.IO.Path.GetFullPath(path);
        _rootKeyProvider = rootKeyProvider;
    }

    /// <summary>The key ring file's full path.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public bool CanSave => true;

    /// <summary>Test seam: runs after the temporary file is written and flushed, before the rename.</summary>
    internal Action<string>? BeforeRename { get; set; }

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

        return Decode(bytes);
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

    private async Task<StoredKeyRing?> LoadLockedAsync(CancellationToken cancellationToken) =>
        File.Exists(Path) ? Decode(await File.ReadAllBytesAsync(Path, cancellationToken).ConfigureAwait(false)) : null;

    /// <summary>Under the lock: removes stale temporary files, writes the new ring durably and renames it into place.</summary>
    private async Task<long> WriteLockedAsync(KeyRing ring, long revision, CancellationToken cancellationToken)
    {
        RemoveStaleTemporaryFiles();
        byte[] content = Encode(ring, revision);
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
        return revision;
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

    private StoredKeyRing Decode(byte[] bytes)
    {
        KeyRingFileDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(bytes, KeyRingFileJsonContext.Default.KeyRingFileDocument);
        }
        catch (JsonException ex)
        {
            throw Corrupted($"it is not valid key ring JSON ({ex.Message})", ex);
        }

        if (document is null || document.Format != KeyRingFileDocument.CurrentFormat || document.Keys is null || document.Revision < 1)
        {
            throw Corrupted($"it is not a '{KeyRingFileDocument.CurrentFormat}' document");
        }

        byte[] rootKey = GetRootKey();
        try
        {
            using var aes = new AesGcm(rootKey, Ve1Layout.TagSize);
            var keys = document.Keys.Select(k => DecodeKey(aes, k)).ToList();
            var history = (document.History ?? []).Select(e => e.By is null
                ? throw Corrupted($"a history event of version {e.Version} has no 'by'")
                : new KeyRingEvent(e.Kind, e.Version, e.At, e.By));
            return new StoredKeyRing(new KeyRing(keys, history), document.Revision);
        }
        catch (ArgumentException ex)
        {
            throw Corrupted(ex.Message, ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(rootKey);
        }
    }

    private EnvelopeKey DecodeKey(AesGcm aes, KeyRingFileKey key)
    {
        if (key.State == KeyState.Destroyed)
        {
            return key.Material is null
                ? EnvelopeKey.CreateDestroyed(key.Version, key.CreatedAt)
                : throw Corrupted($"destroyed key version {key.Version} still has material");
        }

        byte[] sealedKey;
        try
        {
            sealedKey = Convert.FromBase64String(key.Material ?? throw Corrupted($"key version {key.Version} has no material"));
        }
        catch (FormatException ex)
        {
            throw Corrupted($"the material of key version {key.Version} is not base64", ex);
        }

        if (sealedKey.Length != Ve1Layout.NonceSize + Ve1Layout.KeySize + Ve1Layout.TagSize)
        {
            throw Corrupted($"the material of key version {key.Version} has the wrong length");
        }

        Span<byte> material = stackalloc byte[Ve1Layout.KeySize];
        try
        {
            aes.Decrypt(
                sealedKey.AsSpan(0, Ve1Layout.NonceSize),
                sealedKey.AsSpan(Ve1Layout.NonceSize, Ve1Layout.KeySize),
                sealedKey.AsSpan(Ve1Layout.NonceSize + Ve1Layout.KeySize),
                material,
                MaterialAad(key.Version));
            return new EnvelopeKey(key.Version, key.State, material, key.CreatedAt);
        }
        catch (CryptographicException ex)
        {
            throw new KeyRingStoreException(
                $"The key ring file '{Path}' cannot be opened: the material of key version {key.Version} does not authenticate. The root key is wrong, or the file was altered.",
                ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(material);
        }
    }

    private byte[] Encode(KeyRing ring, long revision)
    {
        byte[] rootKey = GetRootKey();
        Span<byte> material = stackalloc byte[Ve1Layout.KeySize];
        try
        {
            using var aes = new AesGcm(rootKey, Ve1Layout.TagSize);
            var document = new KeyRingFileDocument
            {
                Format = KeyRingFileDocument.CurrentFormat,
                Revision = revision,
                Keys = [],
                History = [.. ring.History.Select(e => new KeyRingFileEvent { Kind = e.Kind, Version = e.Version, At = e.At, By = e.By })],
            };
            foreach (var key in ring.Keys)
            {
                string? sealedMaterial = null;
                if (key.HasMaterial)
                {
                    key.CopyKeyMaterialTo(material);
                    var sealedKey = new byte[Ve1Layout.NonceSize + Ve1Layout.KeySize + Ve1Layout.TagSize];
                    RandomNumberGenerator.Fill(sealedKey.AsSpan(0, Ve1Layout.NonceSize));
                    aes.Encrypt(
                        sealedKey.AsSpan(0, Ve1Layout.NonceSize),
                        material,
                        sealedKey.AsSpan(Ve1Layout.NonceSize, Ve1Layout.KeySize),
                        sealedKey.AsSpan(Ve1Layout.NonceSize + Ve1Layout.KeySize),
                        MaterialAad(key.Version));
                    sealedMaterial = Convert.ToBase64String(sealedKey);
                }

                document.Keys.Add(new KeyRingFileKey { Version = key.Version, State = key.State, CreatedAt = key.CreatedAt, Material = sealedMaterial });
            }

            return JsonSerializer.SerializeToUtf8Bytes(document, KeyRingFileJsonContext.Default.KeyRingFileDocument);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(material);
            CryptographicOperations.ZeroMemory(rootKey);
        }
    }

    private byte[] GetRootKey()
    {
        byte[] key = _rootKeyProvider() ?? throw new InvalidOperationException("The root key provider returned null.");
        if (key.Length != Ve1Layout.KeySize)
        {
            throw new InvalidOperationException($"The root key must be {Ve1Layout.KeySize} bytes (256 bits); it is {key.Length}.");
        }

        return key;
    }

    private static byte[] MaterialAad(int version) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{KeyRingFileDocument.CurrentFormat}:v{version}"));

    private async Task<FileStream> AcquireLockAsync(CancellationToken cancellationToken)
    {
        string? directory = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var deadline = DateTime.UtcNow + LockTimeout;
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
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private KeyRingStoreException Corrupted(string why, Exception? inner = null) =>
        new($"The key ring file '{Path}' cannot be read: {why}. The file was left as it is.", inner);

    private static Func<byte[]> CopyRootKey(ReadOnlySpan<byte> rootKey)
    {
        if (rootKey.Length != Ve1Layout.KeySize)
        {
            throw new ArgumentException($"The root key must be {Ve1Layout.KeySize} bytes (256 bits); it is {rootKey.Length}.", nameof(rootKey));
        }

        var pinned = GC.AllocateArray<byte>(Ve1Layout.KeySize, pinned: true);
        rootKey.CopyTo(pinned);
        return () => (byte[])pinned.Clone();
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
