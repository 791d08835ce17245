using System.Security.Cryptography;
using System.Text;
using VersionedEnvelope.Internal;

namespace VersionedEnvelope;

/// <summary>
/// The array, text and string forms of <see cref="IEnvelopeEncryptor"/>, on top of its span forms (as
/// <c>DataProtectionCommonExtensions</c> does for <c>IDataProtector</c>).
/// </summary>
/// <remarks>
/// Every implementation and every decorator gets them. The pairs are symmetric: <c>Encrypt</c>/<c>Decrypt</c> (binary
/// arrays), <c>EncryptToText</c>/<c>DecryptText</c> (bytes ↔ text form), <c>EncryptString</c>/<c>DecryptString</c>
/// (strings, UTF-8), <c>Rewrap</c>/<c>RewrapText</c>.
/// </remarks>
public static class EnvelopeEncryptorExtensions
{
    /// <summary>Encrypts to a new array.</summary>
    /// <param name="encryptor">The encryptor.</param>
    /// <param name="plaintext">The plaintext.</param>
    /// <param name="associatedData">Optional associated data; the same must be given to decrypt.</param>
    /// <returns>The binary ciphertext.</returns>
    public static byte[] Encrypt(this IEnvelopeEncryptor encryptor, byte[] plaintext, byte[]? associatedData = null)
    {
        ArgumentNullException.ThrowIfNull(encryptor);
        ArgumentNullException.ThrowIfNull(plaintext);
        var ciphertext = new byte[encryptor.GetCiphertextLength(plaintext.Length)];
        int written = encryptor.Encrypt(plaintext, ciphertext, associatedData);
        return written == ciphertext.Length ? ciphertext : ciphertext[..written];
    }

    /// <summary>Encrypts to the text form <c>ve1:v{version}:{base64url}</c>.</summary>
    /// <param name="encryptor">The encryptor.</param>
    /// <param name="plaintext">The plaintext.</param>
    /// <param name="associatedData">Optional associated data; the same must be given to <see cref="DecryptText"/>.</param>
    /// <returns>The text-form ciphertext.</returns>
    public static string EncryptToText(this IEnvelopeEncryptor encryptor, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData = default)
    {
        ArgumentNullException.ThrowIfNull(encryptor);
        var ciphertext = new byte[encryptor.GetCiphertextLength(plaintext.Length)];
        int written = encryptor.Encrypt(plaintext, ciphertext, associatedData);
        return EnvelopeFormat.ToText(ciphertext.AsSpan(0, written));
    }

    /// <summary>Encrypts a string (UTF-8) to the text form, with optional UTF-8 associated data.</summary>
    /// <param name="encryptor">The encryptor.</param>
    /// <param name="plaintext">The text to protect.</param>
    /// <param name="associatedData">Optional associated data, for example <c>"UserProfile:42:apiKey"</c>.</param>
    /// <returns>The text-form ciphertext.</returns>
    public static string EncryptString(this IEnvelopeEncryptor encryptor, string plaintext, string? associatedData = null)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        var bytes = Encoding.UTF8.GetBytes(plaintext);
        try
        {
            return encryptor.EncryptToText(bytes, associatedData is null ? default : Encoding.UTF8.GetBytes(associatedData));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>Decrypts a binary ciphertext.</summary>
    /// <param name="encryptor">The encryptor.</param>
    /// <param name="ciphertext">The binary ciphertext.</param>
    /// <param name="associatedData">The associated data given to encrypt.</param>
    /// <returns>The plaintext, the key version and whether the ciphertext needs re-encryption.</returns>
    /// <exception cref="EnvelopeException">The ciphertext cannot be read; see <see cref="EnvelopeException.Reason"/>.</exception>
    public static DecryptedEnvelope Decrypt(this IEnvelopeEncryptor encryptor, byte[] ciphertext, byte[]? associatedData = null)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        return Decrypt(encryptor, ciphertext.AsSpan(), associatedData);
    }

    /// <summary>Decrypts a text-form ciphertext made by <see cref="EncryptToText"/>.</summary>
    /// <param name="encryptor">The encryptor.</param>
    /// <param name="text">The text-form ciphertext.</param>
    /// <param name="associatedData">The associated data given to encrypt.</param>
    /// <returns>The plaintext, the key version and whether the ciphertext needs re-encryption.</returns>
    /// <exception cref="EnvelopeException">The text or its ciphertext cannot be read.</exception>
    public static DecryptedEnvelope DecryptText(this IEnvelopeEncryptor encryptor, string text, ReadOnlySpan<byte> associatedData = default) =>
        Decrypt(encryptor, EnvelopeFormat.FromText(text), associatedData);

    /// <summary>
    /// Decrypts a binary ciphertext; when it names a key version this host has not seen yet (another host rotated),
    /// waits for the shared key ring reload without blocking a thread.
    /// </summary>
    /// <param name="encryptor">The encryptor.</param>
    /// <param name="ciphertext">The binary ciphertext.</param>
    /// <param name="associatedData">The associated data given to encrypt.</param>
    /// <param name="cancellationToken">Stops waiting for a reload.</param>
    /// <returns>The plaintext, the key version and whether the ciphertext needs re-encryption.</returns>
    /// <exception cref="EnvelopeException">The ciphertext cannot be read; see <see cref="EnvelopeException.Reason"/>.</exception>
    /// <remarks>
    /// Prefer it to <see cref="Decrypt(IEnvelopeEncryptor, byte[], byte[])"/> on async paths.
    /// </remarks>
    public static async ValueTask<DecryptedEnvelope> DecryptAsync(
        this IEnvelopeEncryptor encryptor,
        ReadOnlyMemory<byte> ciphertext,
        ReadOnlyMemory<byte> associatedData = default,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(encryptor);
        await EnsureKeyVersionAsync(encryptor, ciphertext, cancellationToken).ConfigureAwait(false);
        return Decrypt(encryptor, ciphertext.Span, associatedData.Span);
    }

    /// <summary>As <see cref="DecryptText"/>, waiting for a key ring reload without blocking a thread (see <see cref="DecryptAsync"/>).</summary>
    /// <param name="encryptor">The encryptor.</param>
    /// <param name="text">The text-form ciphertext.</param>
    /// <param name="associatedData">The associated data given to encrypt.</param>
    /// <param name="cancellationToken">Stops waiting for a reload.</param>
    /// <returns>The plaintext, the key version and whether the ciphertext needs re-encryption.</returns>
    /// <exception cref="EnvelopeException">The text or its ciphertext cannot be read.</exception>
    public static ValueTask<DecryptedEnvelope> DecryptTextAsync(
        this IEnvelopeEncryptor encryptor, string text, ReadOnlyMemory<byte> associatedData = default, CancellationToken cancellationToken = default) =>
        DecryptAsync(encryptor, EnvelopeFormat.FromText(text), associatedData, cancellationToken);

    /// <summary>Decrypts a text-form ciphertext made by <see cref="EncryptString"/>.</summary>
    /// <param name="encryptor">The encryptor.</param>
    /// <param name="text">The text-form ciphertext.</param>
    /// <param name="associatedData">The associated data given to encrypt.</param>
    /// <returns>The plaintext string.</returns>
    /// <exception cref="EnvelopeException">The text or its ciphertext cannot be read.</exception>
    public static string DecryptString(this IEnvelopeEncryptor encryptor, string text, string? associatedData = null)
    {
        var result = encryptor.DecryptText(text, associatedData is null ? default : Encoding.UTF8.GetBytes(associatedData));
        try
        {
            return result.GetPlaintextAsString();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(result.Plaintext);
        }
    }

    /// <summary>Rewraps a binary ciphertext (a VE1 message or a whole VE1 stream); returns the same array when it is already current.</summary>
    /// <param name="encryptor">The encryptor.</param>
    /// <param name="ciphertext">A binary VE1 ciphertext.</param>
    /// <returns>A ciphertext under the active version with the same payload bytes.</returns>
    /// <exception cref="EnvelopeException">The header or the wrapped data key cannot be read.</exception>
    public static byte[] Rewrap(this IEnvelopeEncryptor encryptor, byte[] ciphertext)
    {
        ArgumentNullException.ThrowIfNull(encryptor);
        ArgumentNullException.ThrowIfNull(ciphertext);
        // Current input is verified too (its data key unwrapped) and then returned as it is.
        var rewrapped = new byte[ciphertext.Length];
        return encryptor.Rewrap(ciphertext, rewrapped) ? rewrapped : ciphertext;
    }

    /// <summary>Rewraps a text-form ciphertext; returns the same string when it is already current.</summary>
    /// <param name="encryptor">The encryptor.</param>
    /// <param name="text">A text-form ciphertext.</param>
    /// <returns>A text-form ciphertext under the active version.</returns>
    /// <exception cref="EnvelopeException">The text, header or wrapped data key cannot be read.</exception>
    public static string RewrapText(this IEnvelopeEncryptor encryptor, string text)
    {
        ArgumentNullException.ThrowIfNull(encryptor);

        // One decode validates the text and its header; current input comes back as the same instance.
        var binary = EnvelopeFormat.FromText(text);
        return encryptor.Rewrap(binary, binary) ? EnvelopeFormat.ToText(binary) : text;
    }

    /// <summary>Lets the key ring look for the ciphertext's version asynchronously first, so the decrypt that follows never waits on storage.</summary>
    private static ValueTask EnsureKeyVersionAsync(IEnvelopeEncryptor encryptor, ReadOnlyMemory<byte> ciphertext, CancellationToken cancellationToken)
    {
        if (encryptor is EnvelopeEncryptor { KeyRingProvider: var provider }
            && EnvelopeFormat.TryGetKeyVersion(ciphertext.Span, out int version)
            && !provider.Current.TryGetKey(version, out _))
        {
            var pending = provider.GetRingWithAsync(version, cancellationToken);
            return pending.IsCompletedSuccessfully ? default : new ValueTask(pending.AsTask());
        }

        return default;
    }

    /// <summary>Decrypts into a new array of the plaintext's exact length, cleared on failure.</summary>
    internal static DecryptedEnvelope Decrypt(IEnvelopeEncryptor encryptor, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> associatedData)
    {
        ArgumentNullException.ThrowIfNull(encryptor);

        // A VE1 header gives the exact plaintext length: one allocation. Other input may be legacy, whose overhead is
        // smaller: room for the most it can hold, trimmed after.
        var plaintext = new byte[EnvelopeFormat.TryGetKeyVersion(ciphertext, out _)
            ? ciphertext.Length - EnvelopeFormat.Overhead
            : Math.Max(0, ciphertext.Length - EnvelopeConstants.LegacyOverhead)];
        try
        {
            var result = encryptor.Decrypt(ciphertext, plaintext, associatedData);
            if (result.BytesWritten == plaintext.Length)
            {
                return new DecryptedEnvelope(plaintext, result);
            }

            var exact = plaintext.AsSpan(0, result.BytesWritten).ToArray();
            CryptographicOperations.ZeroMemory(plaintext);
            return new DecryptedEnvelope(exact, result);
        }
        catch
        {
            CryptographicOperations.ZeroMemory(plaintext);
            throw;
        }
    }
}
