namespace VersionedEnvelope.EntityFrameworkCore.Internal;

/// <summary>
/// A stored text value rewritten in place: the database replaces its head <see cref="OldHead"/> with
/// <see cref="NewHead"/> and keeps every character after it (<c>new || substr(value, length(old) + 1)</c>).
/// </summary>
internal sealed record TextHeadRewrite(string OldHead, string NewHead);
