namespace VersionedEnvelope;

/// <summary>
/// Protects a key ring at rest by wrapping the ring key that seals it: a root key in the process, an HSM key through
/// PKCS#11, a cloud KMS key.
/// </summary>
/// <remarks>
/// Protection is apart from persistence (as ASP.NET Core Data Protection's <c>ProtectKeysWith…</c> is from
/// <c>PersistKeysTo…</c>): a store keeps an opaque sealed document, and every configured protector wraps its ring key,
/// so any one of them can open it (as an AWS Encryption SDK multi-keyring). Called once per save (wrap) and once per
/// load or refresh (unwrap), never per message. Implementations must be safe for concurrent use.
/// </remarks>
public interface IKeyRingProtector
{
    /// <summary>
    /// Names the wrapping key and its version (for example a KMS key ARN, or <c>pkcs11:token/label</c>).
    /// </summary>
    /// <remarks>
    /// It is stored beside each wrapped key and given back to <see cref="UnwrapKeyAsync"/>, so a rotated KMS or HSM key
    /// still opens documents wrapped under its older version. Never secret, never key material.
    /// </remarks>
    string KeyId { get; }

    /// <summary>Wraps a ring key (32 bytes). The result is stored in the document as it is.</summary>
    /// <param name="key">The ring key to wrap; do not keep it.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The wrapped key, which only this protector (or its key's later versions) can unwrap.</returns>
    ValueTask<byte[]> WrapKeyAsync(ReadOnlyMemory<byte> key, CancellationToken cancellationToken = default);

    /// <summary>Unwraps a ring key that this protector (or an older version of its key) wrapped.</summary>
    /// <param name="keyId">The <see cref="KeyId"/> stored beside the wrapped key when it was wrapped.</param>
    /// <param name="wrappedKey">The wrapped key as stored.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The ring key; the caller clears it after use.</returns>
    /// <exception cref="System.Security.Cryptography.CryptographicException">The wrapped key is not this protector's, or it was altered.</exception>
    ValueTask<byte[]> UnwrapKeyAsync(string keyId, ReadOnlyMemory<byte> wrappedKey, CancellationToken cancellationToken = default);
}
