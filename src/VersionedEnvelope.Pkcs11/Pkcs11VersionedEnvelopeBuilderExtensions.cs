using Microsoft.Extensions.DependencyInjection;
using VersionedEnvelope.Pkcs11;

namespace VersionedEnvelope;

/// <summary>Protects the key ring with a key on an HSM: <c>AddVersionedEnvelope().ProtectKeysWithPkcs11(o => …)</c>.</summary>
public static class Pkcs11VersionedEnvelopeBuilderExtensions
{
    /// <summary>
    /// Adds a protector whose AES-256 wrapping key never leaves a PKCS#11 token (<see cref="Pkcs11KeyRingProtector"/>).
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Sets the library, token, PIN and key label.</param>
    /// <returns>The builder.</returns>
    /// <remarks>
    /// The token is opened, logged in to and searched for the key when the key ring is first needed; the protector is
    /// disposed with the service provider. Combine with any <c>PersistKeysTo…</c>; call <c>ProtectKeysWith…</c> again
    /// to add a second protector (a second HSM, or the old root key while you move).
    /// </remarks>
    public static IVersionedEnvelopeBuilder ProtectKeysWithPkcs11(this IVersionedEnvelopeBuilder builder, Action<Pkcs11ProtectorOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new Pkcs11ProtectorOptions();
        configure(options);
        builder.Services.AddSingleton(_ => new Pkcs11KeyRingProtector(options));
        return builder.ProtectKeysWith(sp => sp.GetRequiredService<Pkcs11KeyRingProtector>());
    }
}
