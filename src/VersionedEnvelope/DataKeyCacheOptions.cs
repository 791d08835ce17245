using System.ComponentModel.DataAnnotations;
using VersionedEnvelope.Internal;

namespace VersionedEnvelope;

/// <summary>
/// The opt-in data-key cache: one data key (and its wrapped form) serves up to <see cref="MaxMessages"/> messages and
/// at most <see cref="MaxAge"/>, each message with its own random payload nonce.
/// </summary>
/// <remarks>
/// Trade-off: encryption skips one key wrap and one AES key schedule per message (much faster for small messages), but
/// one data key protects several messages, so a leaked data key exposes all of them, and a cached data key stays in
/// memory for up to <see cref="MaxAge"/>. Random 96-bit nonces stay far from their collision bound because
/// <see cref="MaxMessages"/> is capped at <see cref="MaxMessagesLimit"/>. Off by default.
/// </remarks>
public sealed class DataKeyCacheOptions
{
    /// <summary>The highest allowed <see cref="MaxMessages"/>: 2^20.</summary>
    public const int MaxMessagesLimit = VersionedEnvelopeDefaults.DataKeyCacheMaxMessagesLimit;

    /// <summary>The longest allowed <see cref="MaxAge"/>: one hour.</summary>
    public static readonly TimeSpan MaxAgeLimit =
        TimeSpan.Parse(VersionedEnvelopeDefaults.DataKeyCacheMaxAgeLimit, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Whether encryption reuses a data key. Default <see langword="false"/>: a fresh data key per message.</summary>
    public bool Enabled { get; set; }

    /// <summary>Messages one data key encrypts before a new one is made. Default 1,000; 1 to <see cref="MaxMessagesLimit"/>.</summary>
    [Range(1, VersionedEnvelopeDefaults.DataKeyCacheMaxMessagesLimit)]
    public int MaxMessages { get; set; } = VersionedEnvelopeDefaults.DataKeyCacheMaxMessages;

    /// <summary>How long one data key is used. Default one minute; more than zero, at most <see cref="MaxAgeLimit"/>.</summary>
    [Shared.TimeSpanRange("00:00:00.0000001", VersionedEnvelopeDefaults.DataKeyCacheMaxAgeLimit)]
    public TimeSpan MaxAge { get; set; } = VersionedEnvelopeDefaults.DataKeyCacheMaxAge;
}
