namespace VersionedEnvelope.EntityFrameworkCore.Internal;

/// <summary>
/// The first characters of a stored VE1 text value and its whole length, read instead of the value when a rewrap needs
/// only its head (<c>StoredValueReencryption.MaxTextHeadLength</c> characters at most).
/// </summary>
internal sealed record StoredTextStart(string Start, int Length);
