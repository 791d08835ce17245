using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using VersionedEnvelope.Internal;
using static VersionedEnvelope.Internal.Ve1Layout;

namespace VersionedEnvelope;

/// <summary>The VE1 encryptor.</summary>
/// <remarks>
/// Reads the current <see cref="KeyRing"/> snapshot on every call without locks, so a rotation takes effect at once.
/// Key-encryption keys are held in pooled <see cref="AesGcm"/> instances; data keys live on the stack and are cleared
/// after use.
/// </remarks>
public sealed partial class EnvelopeEncryptor : IEnvelopeEncryptor
{
    private const int DataKeyAndNonces = Ve1Layout.KeySize + (2 * Ve1Layout.NonceSize);
    private readonly IKeyRingProvider _keyRingProvider;
    private readonly IRandomSource _random;
    private readonly DataKeyCache? _dataKeyCache;
    private readonly KeyUseCounter? _useCounter;
    private readonly bool _allowLegacy;
    private readonly int _streamSegmentSize;

    /// <summary>Creates an encryptor over a fixed key ring, with default options.</summary>
    /// <param name="keyRing">The ring.</param>
    /// <remarks>For options, pass the ring as a provider: <c>new EnvelopeEncryptor(new StaticKeyRingProvider(ring), options)</c>.</remarks>
    public EnvelopeEncryptor(KeyRing keyRing)
        : this(new StaticKeyRingProvider(keyRing))
    {
    }

    /// <summary>Creates an encryptor over a key ring provider (for example a rotating key ring manager).</summary>
    /// <param name="keyRingProvider">Gives the current ring.</param>
    /// <param name="options">Options; defaults when omitted.</param>
    /// <param name="timeProvider">The clock for the data-key cache; <see cref="TimeProvider.System"/> when omitted.</param>
    /// <exception cref="ArgumentException">Data-key cache bounds are out of range.</exception>
    public EnvelopeEncryptor(IKeyRingProvider keyRingProvider, EnvelopeEncryptorOptions? options = null, TimeProvider? timeProvider = null)
        : this(keyRingProvider, options ?? new EnvelopeEncryptorOptions(), timeProvider ?? TimeProvider.System, SystemRandomSource.Instance)
    {
    }

    internal EnvelopeEncryptor(IKeyRingProvider keyRingProvider, EnvelopeEncryptorOptions options, TimeProvider timeProvider, IRandomSource random)
    {
        ArgumentNullException.ThrowIfNull(keyRingProvider);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _keyRingProvider = keyRingProvider;
        _random = random;

        // Wraps are counted for a manager whose store keeps counts, so its rotation by use sees every host's wraps.
        _useCounter = (keyRingProvider as KeyRingManager)?.UseCounter;
        _allowLegacy = options.AllowLegacyCiphertexts;
        Streams.EnvelopeStreamFormat.ThrowIfSegmentSizeOutOfRange(options.StreamSegmentSize, nameof(options));
        _streamSegmentSize = options.StreamSegmentSize;
        if (options.DataKeyCache.Enabled)
        {
            Shared.OptionsValidation.ThrowIfInvalid(new DataKeyCacheOptionsValidator(), options.DataKeyCache, nameof(options));
            _dataKeyCache = new DataKeyCache(options.DataKeyCache, timeProvider, random, _useCounter);
        }
    }

    /// <summary>Where the key ring comes from (the async decrypt forms ask it for unknown versions ahead of the decrypt).</summary>
    internal IKeyRingProvider KeyRingProvider => _keyRingProvider;

    /// <inheritdoc />
    public int ActiveKeyVersion => _keyRingProvider.Current.ActiveVersion;

    /// <inheritdoc />
    public int GetCiphertextLength(int plaintextLength) => EnvelopeFormat.GetCiphertextLength(plaintextLength);

    /// <inheritdoc />
    public int Encrypt(ReadOnlySpan<byte> plaintext, Span<byte> destination, ReadOnlySpan<byte> associatedData)
    {
        int length = GetCiphertextLength(plaintext.Length);
        if (destination.Length < length)
        {
            throw new ArgumentException($"The destination must hold {length} bytes; it holds {destination.Length}.", nameof(destination));
        }

        if (plaintext.Overlaps(destination))
        {
            throw new ArgumentException("The plaintext and the destination must not overlap.", nameof(destination));
        }

        var envelope = destination[..length];
        var activeKey = _keyRingProvider.Current.ActiveKey;
        if (_dataKeyCache is not null)
        {
            EncryptWithCachedDataKey(_dataKeyCache.Acquire(activeKey), plaintext, envelope, associatedData);
            return length;
        }

        Span<byte> fresh = stackalloc byte[DataKeyAndNonces];
        try
        {
            _random.Fill(fresh);
            var dataKey = fresh[..Ve1Layout.KeySize];
            WriteHeader(envelope, activeKey.Version, fresh.Slice(Ve1Layout.KeySize, Ve1Layout.NonceSize), dataKey, activeKey.Material!);
            _useCounter?.Add(activeKey.Version);
            fresh[^Ve1Layout.NonceSize..].CopyTo(PayloadNonce(envelope));
            using var aes = new AesGcm(dataKey, Ve1Layout.TagSize);
            SealPayload(aes, plaintext, envelope, associatedData);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(fresh);
        }

        return length;
    }

    /// <inheritdoc />
    public EnvelopeDecryptResult Decrypt(ReadOnlySpan<byte> ciphertext, Span<byte> destination, ReadOnlySpan<byte> associatedData)
    {
        var status = ReadHeader(ciphertext, out int version);
        if (status != HeaderStatus.Valid)
        {
            if (_allowLegacy && TryDecryptLegacy(ciphertext, destination, associatedData, out var legacy))
            {
                return legacy;
            }

            EnvelopeFormat.ThrowIfInvalid(status, ciphertext);
        }

        int plaintextLength = ciphertext.Length - Overhead;
        if (destination.Length < plaintextLength)
        {
            throw new ArgumentException($"The destination must hold {plaintextLength} bytes; it holds {destination.Length}.", nameof(destination));
        }

        try
        {
            return DecryptVe1(ciphertext, version, destination[..plaintextLength], associatedData);
        }
        catch (EnvelopeException) when (_allowLegacy)
        {
            // A legacy nonce can begin with the VE1 magic by chance (1 in 2^24): it then reads as a bad VE1 ciphertext.
            if (TryDecryptLegacy(ciphertext, destination, associatedData, out var legacy))
            {
                return legacy;
            }

            throw;
        }
    }

    /// <inheritdoc />
    public bool Rewrap(ReadOnlySpan<byte> ciphertext, Span<byte> destination)
    {
        // A VE1 message or a whole VE1 stream held in memory: both keep their data key in bytes 0..66.
        byte format = Ve1Layout.FormatVersion;
        int version;
        if (ciphertext.Length >= Streams.EnvelopeStreamFormat.MinLength && ciphertext[2] == Streams.EnvelopeStreamFormat.FormatVersion)
        {
            format = Streams.EnvelopeStreamFormat.FormatVersion;
            if (Streams.EnvelopeStreamFormat.ReadHeader(ciphertext, out version, out _) != HeaderStatus.Valid)
            {
                throw Streams.EnvelopeStreamFormat.HeaderError(ciphertext);
            }
        }
        else
        {
            EnvelopeFormat.ThrowIfInvalid(ReadHeader(ciphertext, out version), ciphertext);
        }

        if (destination.Length < ciphertext.Length)
        {
            throw new ArgumentException($"The destination must hold {ciphertext.Length} bytes; it holds {destination.Length}.", nameof(destination));
        }

        // Only bytes 3..66 change; copy first so that in-place calls (same memory) work too.
        var envelope = destination[..ciphertext.Length];
        if (!ciphertext.Overlaps(envelope, out int offset) || offset != 0)
        {
            ciphertext.CopyTo(envelope);
        }

        return RewrapHeader(envelope, format, version);
    }

    /// <summary>
    /// Unwraps the data key of bytes 0..66 (so a changed header fails even when it is current) and, unless its version
    /// is the active one, wraps it under the active version in place.
    /// </summary>
    private bool RewrapHeader(Span<byte> header, byte format, int version)
    {
        var ring = _keyRingProvider.Current;
        var source = ResolveDecryptionKey(ref ring, version);
        Span<byte> dataKey = stackalloc byte[Ve1Layout.KeySize];
        try
        {
            UnwrapDataKey(source, version, header, dataKey);
            if (version == ring.ActiveVersion)
            {
                return false;
            }

            var target = ring.ActiveKey;
            Span<byte> wrapNonce = stackalloc byte[Ve1Layout.NonceSize];
            _random.Fill(wrapNonce);
            WriteHeader(header, format, target.Version, wrapNonce, dataKey, target.Material!);
            _useCounter?.Add(target.Version);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }

        return true;
    }

    private EnvelopeDecryptResult DecryptVe1(ReadOnlySpan<byte> ciphertext, int version, Span<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        var ring = _keyRingProvider.Current;
        var key = ResolveDecryptionKey(ref ring, version);
        Span<byte> dataKey = stackalloc byte[Ve1Layout.KeySize];
        Span<byte> aadBuffer = stackalloc byte[EnvelopeConstants.StackAadLimit];
        try
        {
            UnwrapDataKey(key, version, ciphertext, dataKey);
            using var aes = new AesGcm(dataKey, Ve1Layout.TagSize);
            using var aad = new PayloadAad(ciphertext[..PayloadAadPrefixLength], associatedData, aadBuffer);
            try
            {
                aes.Decrypt(
                    PayloadNonce(ciphertext),
                    ciphertext.Slice(PayloadOffset, plaintext.Length),
                    ciphertext[^Ve1Layout.TagSize..],
                    plaintext,
                    aad.Value);
            }
            catch (CryptographicException ex)
            {
                throw new EnvelopeException(
                    EnvelopeErrorReason.AuthenticationFailed,
                    $"The payload of a ciphertext under key version {version} failed authentication: it was changed, or the associated data differs.",
                    version,
                    ex);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }

        return new EnvelopeDecryptResult(plaintext.Length, version, version != ring.ActiveVersion, isLegacy: false);
    }

    private EnvelopeKey ResolveDecryptionKey(ref KeyRing ring, int version)
    {
        if (!ring.TryGetKey(version, out var key))
        {
            ring = _keyRingProvider.GetRingWith(version);
            if (!ring.TryGetKey(version, out key))
            {
                throw new EnvelopeException(EnvelopeErrorReason.UnknownKeyVersion, $"Key version {version} is not in the key ring; a ring kept in a store "
                    + $"was reloaded to look for it.", version);
            }
        }

        return key.State switch
        {
            KeyState.Retired => throw new EnvelopeException(EnvelopeErrorReason.KeyVersionRetired, $"The ciphertext names key version {version}, which is "
                + $"retired, so it was not decrypted. A ciphertext that should not be under a retired version is more likely damaged or altered than a "
                    + $"reason to reinstate the key; reinstate it only when data under that version is known to be needed.", version),
            KeyState.Destroyed => throw new EnvelopeException(EnvelopeErrorReason.UnknownKeyVersion, $"Key version {version} was destroyed; its ciphertexts "
                + $"cannot be read.", version),
            _ => key,
        };
    }

    private static void UnwrapDataKey(EnvelopeKey key, int version, ReadOnlySpan<byte> ciphertext, Span<byte> dataKey)
    {
        if (!TryUnwrapDataKey(ciphertext, key.Material!, dataKey))
        {
            throw new EnvelopeException(
                EnvelopeErrorReason.AuthenticationFailed,
                $"The wrapped data key of a ciphertext under key version {version} failed authentication: the header was changed or the key differs.",
                version);
        }
    }

    private static void SealPayload(AesGcm aes, ReadOnlySpan<byte> plaintext, Span<byte> envelope, ReadOnlySpan<byte> associatedData)
    {
        Span<byte> aadBuffer = stackalloc byte[EnvelopeConstants.StackAadLimit];
        using var aad = new PayloadAad(envelope[..PayloadAadPrefixLength], associatedData, aadBuffer);
        aes.Encrypt(
            PayloadNonce(envelope),
            plaintext,
            envelope.Slice(PayloadOffset, plaintext.Length),
            envelope[^Ve1Layout.TagSize..],
            aad.Value);
    }

    private void EncryptWithCachedDataKey(CachedDataKey dataKey, ReadOnlySpan<byte> plaintext, Span<byte> envelope, ReadOnlySpan<byte> associatedData)
    {
        dataKey.Header.CopyTo(envelope);
        _random.Fill(PayloadNonce(envelope));
        var aes = dataKey.Pool.Rent();
        try
        {
            SealPayload(aes, plaintext, envelope, associatedData);
        }
        finally
        {
            dataKey.Pool.Return(aes);
        }
    }

    private bool TryDecryptLegacy(ReadOnlySpan<byte> ciphertext, Span<byte> destination, ReadOnlySpan<byte> associatedData, out EnvelopeDecryptResult result)
    {
        result = default;
        int plaintextLength = ciphertext.Length - EnvelopeConstants.LegacyOverhead;
        if (plaintextLength < 0 || destination.Length < plaintextLength)
        {
            return false;
        }

        var nonce = ciphertext[..Ve1Layout.NonceSize];
        var body = ciphertext.Slice(Ve1Layout.NonceSize, plaintextLength);
        var tag = ciphertext[^Ve1Layout.TagSize..];
        var keys = _keyRingProvider.Current.Keys;
        for (int i = keys.Count - 1; i >= 0; i--)
        {
            var key = keys[i];
            if (key.State is KeyState.Active or KeyState.DecryptOnly
                && key.Material!.TryDecrypt(nonce, body, tag, destination[..plaintextLength], associatedData))
            {
                result = new EnvelopeDecryptResult(plaintextLength, key.Version, needsReencryption: true, isLegacy: true);
                return true;
            }
        }

        return false;
    }
}
