using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace VersionedEnvelope.Tests.Rotation;

/// <summary>Any sequence of lifecycle requests, each applied at its own time: what the rules accept keeps the ring sound.</summary>
public sealed class KeyRingRulesPropertyTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A request: which rule, for which version, with which activation delay, after how many minutes.</summary>
    private static readonly Arbitrary<(int Rule, int Version, int DelayMinutes, int AfterMinutes)[]> Requests =
        Gen.Choose(0, 6).SelectMany(rule => Gen.Choose(1, 8).SelectMany(version => Gen.Elements(0, 0, 30, 600).SelectMany(delay =>
            Gen.Choose(0, 120).Select(after => (rule, version, delay, after)))))
        .ArrayOf().ToArbitrary();

    [Property(MaxTest = 300)]
    public Property AcceptedChanges_OneActiveVersionOnceActivationsPass_VersionsOnlyGrow_OneHistoryEntryEach() =>
        Prop.ForAll(Requests, requests =>
        {
            var ring = new KeyRing([EnvelopeKey.Generate(1, KeyState.Active, Start)]);
            var now = Start;
            foreach (var (rule, version, delay, after) in requests)
            {
                now = now.AddMinutes(after);
                var before = ring.AsOf(now);
                var change = Apply(before, rule, version, TimeSpan.FromMinutes(delay), now);
                if (change.Refusal is not null)
                {
                    if (change.Ring is not null)
                    {
                        return false.Label("a refusal carries no ring");
                    }

                    continue;
                }

                var after_ = change.Ring!;
                bool oneEntry = change.Event is null
                    ? ReferenceEquals(after_, before)
                    : after_.History.Count == before.History.Count + 1 && Equals(after_.History[^1], change.Event);
                bool grows = after_.LatestVersion >= before.LatestVersion
                    && before.Keys.All(k => after_.TryGetKey(k.Version, out _))
                    && (after_.ActiveIndexKey?.Version ?? 0) >= (before.ActiveIndexKey?.Version ?? 0);
                int active = after_.AsOf(now.AddDays(1)).Keys.Count(k => k.State == KeyState.Active);
                if (!oneEntry || !grows || active != 1)
                {
                    return false.Label($"rule {rule} v{version}: one entry {oneEntry}, grows {grows}, active versions {active}");
                }

                ring = after_;
            }

            return true.ToProperty();
        });

    private static KeyRingChange Apply(KeyRing ring, int rule, int version, TimeSpan delay, DateTimeOffset now) => rule switch
    {
        0 => KeyRingRules.Rotate(ring, "p", now, delay),
        1 => KeyRingRules.Retire(ring, version, "p", now),
        2 => KeyRingRules.Reinstate(ring, version, "p", now),
        3 => KeyRingRules.Destroy(ring, version, "p", inventory: null, force: true, now),
        4 => KeyRingRules.RotateIndexKey(ring, "p", now),
        5 => KeyRingRules.RetireIndexKey(ring, version, "p", inventory: null, force: true, now),
        _ => KeyRingRules.Reprotect(ring, "p", now),
    };
}
