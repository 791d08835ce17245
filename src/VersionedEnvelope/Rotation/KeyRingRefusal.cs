using System.Globalization;

namespace VersionedEnvelope;

/// <summary>Why a lifecycle rule refused a change.</summary>
/// <param name="Kind">What kind of refusal.</param>
/// <param name="Version">The version the change was for.</param>
/// <param name="Reason">The whole message for a forbidden change; the missing evidence, in a few words, for a destruction.</param>
/// <remarks>
/// The ring or the version's state forbids it (thrown as <see cref="InvalidOperationException"/>), or a destruction
/// lacks the evidence that nothing needs the version (thrown as <see cref="KeyDestructionRefusedException"/>).
/// </remarks>
internal sealed record KeyRingRefusal(KeyRingRefusalKind Kind, int Version, string Reason)
{
    public static KeyRingRefusal Forbidden(int version, FormattableString message) =>
        new(KeyRingRefusalKind.Forbidden, version, message.ToString(CultureInfo.InvariantCulture));

    public static KeyRingRefusal MissingEvidence(int version, FormattableString reason) =>
        new(KeyRingRefusalKind.MissingEvidence, version, reason.ToString(CultureInfo.InvariantCulture));

    public static KeyRingRefusal MissingIndexEvidence(int version, FormattableString reason) =>
        new(KeyRingRefusalKind.MissingIndexEvidence, version, reason.ToString(CultureInfo.InvariantCulture));

    public Exception ToException() => Kind switch
    {
        KeyRingRefusalKind.MissingEvidence => new KeyDestructionRefusedException(Version, Reason),
        KeyRingRefusalKind.MissingIndexEvidence => new KeyDestructionRefusedException(
            string.Create(CultureInfo.InvariantCulture, $"Index key version {Version} was not retired: {Reason}.")),
        _ => new InvalidOperationException(Reason),
    };
}
