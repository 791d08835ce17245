using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace VersionedEnvelope.Pkcs11;

/// <summary>Wraps key ring keys with an AES-256 key that never leaves a PKCS#11 token (an HSM, SoftHSM2).</summary>
/// <remarks>
/// <c>CKM_AES_GCM</c> with a random 12-byte IV, a 128-bit tag and the key id as associated data, so a wrapped key is
/// bound to the key that wrapped it. GCM rather than <c>CKM_AES_KEY_WRAP_PAD</c>: the ring key is data to this token,
/// not a token object, and <c>C_Encrypt</c> with GCM is what every token supports for data; GCM also authenticates the
/// key id, which key wrap cannot. Sessions are pooled and safe across threads, with one login for the library. The key
/// id names the token, the key's label and its <c>CKA_ID</c> (<c>pkcs11:token=…;object=…;id=…</c>), so a new key under
/// the same label still leaves older documents openable while the old key is on the token.
/// </remarks>
public sealed class Pkcs11KeyRingProtector : IKeyRingProtector, IDisposable
{
    private const int IvSize = 12;
    private const int TagBits = 128;
    private readonly Pkcs11InteropFactories _factories = new();
    private readonly ConcurrentBag<ISession> _sessions = [];

    // Object handles stay valid across the application's sessions; finding a key costs far more than using it.
    private readonly ConcurrentDictionary<string, IObjectHandle> _keyHandles = new(StringComparer.Ordinal);
    private readonly Pkcs11ProtectorOptions _options;
    private readonly IPkcs11Library _library;
    private readonly ISlot _slot;
    private readonly byte[] _keyObjectId;
    private int _disposed;

    /// <summary>Loads the library, finds the token, logs in and finds (or creates) the key.</summary>
    /// <param name="options">The library, token, PIN and key label.</param>
    /// <exception cref="ArgumentException">An option is missing.</exception>
    /// <exception cref="Pkcs11ProtectorException">The library, token or key cannot be used, or the PIN was refused.</exception>
    public Pkcs11KeyRingProtector(Pkcs11ProtectorOptions options)
    {
        _options = Shared.OptionsValidation.ThrowIfInvalid(new Pkcs11ProtectorOptionsValidator(), options, nameof(options));
        Pkcs11Libraries.MapLibdl();
        if (!File.Exists(options.LibraryPath))
        {
            throw new Pkcs11ProtectorException($"The PKCS#11 library '{options.LibraryPath}' does not exist.");
        }

        _library = Pkcs11Libraries.Acquire(_factories, options.LibraryPath!);

        try
        {
            _slot = FindSlot();
            var session = Rent();
            try
            {
                _keyObjectId = FindOrCreateKey(session);
            }
            finally
            {
                Return(session);
            }
        }
        catch
        {
            Dispose();
            throw;
        }

        string objectId = Convert.ToHexString(_keyObjectId).ToLowerInvariant();
        KeyId = string.Create(CultureInfo.InvariantCulture, $"pkcs11:token={Escape(options.TokenLabel!)};object={Escape(options.KeyLabel!)};id={objectId}");
    }

    /// <inheritdoc />
    public string KeyId { get; }

    /// <inheritdoc />
    public ValueTask<byte[]> WrapKeyAsync(ReadOnlyMemory<byte> key, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        byte[] iv = RandomNumberGenerator.GetBytes(IvSize);
        byte[] plain = key.ToArray();
        try
        {
            byte[] sealedKey = Use(session => session.Encrypt(Gcm(iv, KeyId), FindKey(session, _keyObjectId), plain), "wrap a ring key");
            return ValueTask.FromResult<byte[]>([.. iv, .. sealedKey]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    /// <inheritdoc />
    public ValueTask<byte[]> UnwrapKeyAsync(string keyId, ReadOnlyMemory<byte> wrappedKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        cancellationToken.ThrowIfCancellationRequested();
        if (ObjectIdOf(keyId) is not { } objectId)
        {
            throw new CryptographicException($"'{keyId}' is not a key of the PKCS#11 token '{_options.TokenLabel}' ({KeyId}).");
        }

        if (wrappedKey.Length <= IvSize + (TagBits / 8))
        {
            throw new CryptographicException("The wrapped ring key is cut short.");
        }

        byte[] iv = wrappedKey[..IvSize].ToArray();
        byte[] sealedKey = wrappedKey[IvSize..].ToArray();
        return ValueTask.FromResult(Use(
            session => session.Decrypt(Gcm(iv, keyId), FindKey(session, objectId), sealedKey),
            "unwrap a ring key (it was altered, or wrapped by another key)"));
    }

    /// <summary>Reads the wrapping key's <c>CKA_SENSITIVE</c> and <c>CKA_EXTRACTABLE</c> attributes (what an auditor checks).</summary>
    /// <returns>Whether the key is sensitive and whether it is extractable.</returns>
    public (bool Sensitive, bool Extractable) GetKeyProtection() => Use(
        session =>
        {
            var values = session.GetAttributeValue(FindKey(session, _keyObjectId), [CKA.CKA_SENSITIVE, CKA.CKA_EXTRACTABLE]);
            return (values[0].GetValueAsBool(), values[1].GetValueAsBool());
        },
        "read the key's attributes");

    /// <summary>Names the token and key, never the PIN.</summary>
    /// <returns>The key id.</returns>
    public override string ToString() => KeyId;

    /// <summary>Logs out, closes the pooled sessions and unloads the library.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        while (_sessions.TryTake(out var session))
        {
            session.Dispose();
        }

        if (_library is not null)
        {
            Pkcs11Libraries.Release(_options.LibraryPath!);
        }
    }

    private ISlot FindSlot()
    {
        var slots = _library.GetSlotList(SlotsType.WithTokenPresent);
        var labels = new List<string>();
        foreach (var slot in slots)
        {
            string label = slot.GetTokenInfo().Label.Trim();
            if (label == _options.TokenLabel)
            {
                return slot;
            }

            labels.Add($"'{label}'");
        }

        throw new Pkcs11ProtectorException(
            $"The PKCS#11 library '{_options.LibraryPath}' has no token labelled '{_options.TokenLabel}' (tokens present: "
                + $"{(labels.Count == 0 ? "none" : string.Join(", ", labels))}).");
    }

    private byte[] FindOrCreateKey(ISession session)
    {
        var found = session.FindAllObjects(
        [
            _factories.ObjectAttributeFactory.Create(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY),
            _factories.ObjectAttributeFactory.Create(CKA.CKA_KEY_TYPE, CKK.CKK_AES),
            _factories.ObjectAttributeFactory.Create(CKA.CKA_LABEL, _options.KeyLabel!),
        ]);
        if (found.Count > 0)
        {
            // The newest key under the label wraps; every key under it can still unwrap what it wrapped.
            var ids = found.Select(k => session.GetAttributeValue(k, [CKA.CKA_ID])[0].GetValueAsByteArray() ?? []).ToList();
            return ids.OrderBy(id => Convert.ToHexString(id), StringComparer.Ordinal).Last();
        }

        if (!_options.CreateKeyIfMissing)
        {
            throw new Pkcs11ProtectorException(
                $"The PKCS#11 token '{_options.TokenLabel}' has no AES key labelled '{_options.KeyLabel}'. Create it once (CreateKeyIfMissing = true), or "
                    + $"fix the label.");
        }

        // Ids start with the creation time, so the newest key sorts last.
        byte[] id = new byte[12];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(id, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        RandomNumberGenerator.Fill(id.AsSpan(8));
        session.GenerateKey(_factories.MechanismFactory.Create(CKM.CKM_AES_KEY_GEN),
        [
            _factories.ObjectAttributeFactory.Create(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY),
            _factories.ObjectAttributeFactory.Create(CKA.CKA_KEY_TYPE, CKK.CKK_AES),
            _factories.ObjectAttributeFactory.Create(CKA.CKA_VALUE_LEN, 32UL),
            _factories.ObjectAttributeFactory.Create(CKA.CKA_LABEL, _options.KeyLabel!),
            _factories.ObjectAttributeFactory.Create(CKA.CKA_ID, id),
            _factories.ObjectAttributeFactory.Create(CKA.CKA_TOKEN, true),
            _factories.ObjectAttributeFactory.Create(CKA.CKA_PRIVATE, true),
            _factories.ObjectAttributeFactory.Create(CKA.CKA_SENSITIVE, true),
            _factories.ObjectAttributeFactory.Create(CKA.CKA_EXTRACTABLE, false),
            _factories.ObjectAttributeFactory.Create(CKA.CKA_ENCRYPT, true),
            _factories.ObjectAttributeFactory.Create(CKA.CKA_DECRYPT, true),
        ]);
        return id;
    }

    private IObjectHandle FindKey(ISession session, byte[] objectId) =>
        _keyHandles.GetOrAdd(Convert.ToHexString(objectId), _ => SearchKey(session, objectId));

    private IObjectHandle SearchKey(ISession session, byte[] objectId)
    {
        var found = session.FindAllObjects(
        [
            _factories.ObjectAttributeFactory.Create(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY),
            _factories.ObjectAttributeFactory.Create(CKA.CKA_LABEL, _options.KeyLabel!),
            _factories.ObjectAttributeFactory.Create(CKA.CKA_ID, objectId),
        ]);
        return found.Count > 0
            ? found[0]
            : throw new Pkcs11ProtectorException(
                $"The PKCS#11 token '{_options.TokenLabel}' no longer has the key labelled '{_options.KeyLabel}' with id "
                    + $"{Convert.ToHexString(objectId).ToLowerInvariant()}.");
    }

    private IMechanism Gcm(byte[] iv, string keyId) =>
        _factories.MechanismFactory.Create(
            CKM.CKM_AES_GCM, _factories.MechanismParamsFactory.CreateCkGcmParams(iv, IvSize * 8, Encoding.UTF8.GetBytes(keyId), TagBits));

    /// <summary>The key's object id from a key id of this token and label; <see langword="null"/> for another key's id.</summary>
    private byte[]? ObjectIdOf(string keyId)
    {
        string prefix = $"pkcs11:token={Escape(_options.TokenLabel!)};object={Escape(_options.KeyLabel!)};id=";
        if (!keyId.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            return Convert.FromHexString(keyId[prefix.Length..]);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private T Use<T>(Func<ISession, T> operation, string what)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        var session = Rent();
        try
        {
            try
            {
                return operation(session);
            }
            catch (Pkcs11Exception ex) when (ex.RV is CKR.CKR_OBJECT_HANDLE_INVALID or CKR.CKR_KEY_HANDLE_INVALID)
            {
                // The key was removed and perhaps created anew since its handle was cached: look it up once more.
                _keyHandles.Clear();
                return operation(session);
            }
        }
        catch (Pkcs11Exception ex)
        {
            throw new Pkcs11ProtectorException($"The PKCS#11 token '{_options.TokenLabel}' could not {what} with the key labelled '{_options.KeyLabel}' "
                + $"({ex.RV}).", ex);
        }
        finally
        {
            Return(session);
        }
    }

    private ISession Rent()
    {
        if (_sessions.TryTake(out var pooled))
        {
            return pooled;
        }

        ISession session;
        try
        {
            session = _slot.OpenSession(SessionType.ReadWrite);
        }
        catch (Pkcs11Exception ex)
        {
            throw new Pkcs11ProtectorException($"No session could be opened on the PKCS#11 token '{_options.TokenLabel}' ({ex.RV}).", ex);
        }

        string? pin;
        try
        {
            pin = _options.UserPinProvider?.Invoke() ?? _options.UserPin;
        }
        catch (Exception ex)
        {
            // The host's PIN source failed (a secret store, a prompt): say which token wanted it, keep the cause.
            session.Dispose();
            throw new Pkcs11ProtectorException($"The user PIN of the PKCS#11 token '{_options.TokenLabel}' could not be read: its UserPinProvider threw "
                + $"{ex.GetType().Name}.", ex);
        }

        try
        {
            // The login belongs to the application, not the session: the first one logs every later session in.
            session.Login(CKU.CKU_USER, pin);
        }
        catch (Pkcs11Exception ex) when (ex.RV == CKR.CKR_USER_ALREADY_LOGGED_IN)
        {
        }
        catch (Pkcs11Exception ex)
        {
            session.Dispose();
            string why = ex.RV is CKR.CKR_PIN_INCORRECT or CKR.CKR_PIN_INVALID or CKR.CKR_PIN_LEN_RANGE ? "the PIN was refused" : "the token refused the login";
            throw new Pkcs11ProtectorException($"Logging in to the PKCS#11 token '{_options.TokenLabel}' failed: {why} ({ex.RV}).", ex);
        }

        return session;
    }

    private void Return(ISession session) => _sessions.Add(session);

    private static string Escape(string label) => Uri.EscapeDataString(label);
}
