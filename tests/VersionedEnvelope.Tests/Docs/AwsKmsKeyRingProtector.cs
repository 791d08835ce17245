using System.Security.Cryptography;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using VersionedEnvelope;

/// <summary>
/// Wraps key ring keys with an AWS KMS key: KMS Encrypt and Decrypt of the 32-byte ring key, with an encryption context
/// that binds it to this ring (KMS logs the context in CloudTrail, and refuses a decrypt without it).
/// </summary>
public sealed class AwsKmsKeyRingProtector(IAmazonKeyManagementService kms, string keyArn, string ringName) : IKeyRingProtector
{
    private readonly Dictionary<string, string> _context = new() { ["purpose"] = "versioned-envelope-keyring", ["ring"] = ringName };

    /// <summary>The key ARN. KMS rotates its key material behind the same ARN and keeps the old material, so old documents still open.</summary>
    public string KeyId => keyArn;

    public async ValueTask<byte[]> WrapKeyAsync(ReadOnlyMemory<byte> key, CancellationToken cancellationToken = default)
    {
        using var plaintext = new MemoryStream(key.ToArray());
        var response = await kms.EncryptAsync(
            new EncryptRequest { KeyId = keyArn, Plaintext = plaintext, EncryptionContext = _context },
            cancellationToken);
        return response.CiphertextBlob.ToArray();
    }

    public async ValueTask<byte[]> UnwrapKeyAsync(string keyId, ReadOnlyMemory<byte> wrappedKey, CancellationToken cancellationToken = default)
    {
        if (keyId != keyArn)
        {
            throw new CryptographicException($"The ring key was wrapped by '{keyId}', not by '{keyArn}'.");
        }

        try
        {
            var response = await kms.DecryptAsync(
                new DecryptRequest
                {
                    KeyId = keyArn, // refuse anything wrapped by another key
                    CiphertextBlob = new MemoryStream(wrappedKey.ToArray()),
                    EncryptionContext = _context,
                },
                cancellationToken);
            byte[] key = response.Plaintext.ToArray();
            CryptographicOperations.ZeroMemory(response.Plaintext.GetBuffer());
            return key;
        }
        catch (InvalidCiphertextException ex)
        {
            throw new CryptographicException($"KMS refused the wrapped ring key for '{keyArn}': it was altered, or wrapped for another ring.", ex);
        }
    }
}
