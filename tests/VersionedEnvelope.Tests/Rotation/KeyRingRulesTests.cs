namespace VersionedEnvelope.Tests.Rotation;

/// <summary>Each lifecycle rule and each of its refusals, on rings built here: no store, no lock, no clock.</summary>
public sealed class KeyRingRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);

    /// <summary>Versions 1 (decrypt-only), 2 (retired), 3 (active).</summary>
    private static KeyRing Ring() => new([
        EnvelopeKey.Generate(1, KeyState.DecryptOnly, Now.AddDays(-30)),
        EnvelopeKey.Generate(2, KeyState.Retired, Now.AddDays(-20)),
        EnvelopeKey.Generate(3, KeyState.Active, Now.AddDays(-10))]);

    [Fact]
    public void Rotate_NoDelay_NewVersionActivePreviousDecryptOnlyOneEvent()
    {
        var ring = Ring();

        var change = KeyRingRules.Rotate(ring, "ops", Now, TimeSpan.Zero);

        Assert.Null(change.Refusal);
        Assert.Equal(4, change.Ring!.ActiveVersion);
        Assert.Equal(KeyState.DecryptOnly, change.Ring.Keys.Single(k => k.Version == 3).State);
        Assert.Equal(new KeyRingEvent(KeyRingEventKind.Rotated, 4, Now, "ops"), change.Event);
        Assert.Equal(ring.History.Count + 1, change.Ring.History.Count);
        Assert.Equal(3, ring.ActiveVersion);
    }

    [Fact]
    public void Rotate_WithActivationDelay_NewVersionPendingUntilThen()
    {
        var change = KeyRingRules.Rotate(Ring(), "ops", Now, TimeSpan.FromDays(2));

        var pending = change.Ring!.Keys.Single(k => k.Version == 4);
        Assert.Equal(KeyState.Pending, pending.State);
        Assert.Equal(Now.AddDays(2), pending.ActivatesAt);
        Assert.Equal(3, change.Ring.ActiveVersion);
        Assert.Equal(4, change.Ring.AsOf(Now.AddDays(2)).ActiveVersion);
    }

    [Fact]
    public void Retire_DecryptOnlyVersion_BecomesRetired()
    {
        var change = KeyRingRules.Retire(Ring(), 1, "ops", Now);

        Assert.Equal(KeyState.Retired, change.Ring!.Keys.Single(k => k.Version == 1).State);
        Assert.Equal(new KeyRingEvent(KeyRingEventKind.Retired, 1, Now, "ops"), change.Event);
    }

    [Fact]
    public void Retire_AlreadyRetired_IsUnchangedWithoutAnEvent()
    {
        var ring = Ring();

        var change = KeyRingRules.Retire(ring, 2, "ops", Now);

        Assert.Same(ring, change.Ring);
        Assert.Null(change.Event);
    }

    [Theory]
    [InlineData(3, "Key version 3 cannot become Retired: it is the active version; rotate first.")]
    [InlineData(9, "Key version 9 is not in the key ring.")]
    public void Retire_ActiveOrUnknown_IsRefused(int version, string message)
    {
        var change = KeyRingRules.Retire(Ring(), version, "ops", Now);

        Assert.Null(change.Ring);
        Assert.Equal(message, Assert.IsType<InvalidOperationException>(change.Refusal!.ToException()).Message);
    }

    [Fact]
    public void Retire_Destroyed_IsRefused()
    {
        var ring = KeyRingRules.Destroy(Ring(), 1, "ops", null, force: true, Now).Ring!;

        var change = KeyRingRules.Retire(ring, 1, "ops", Now);

        Assert.Equal("Key version 1 cannot become Retired: it was destroyed.", change.Refusal!.Reason);
    }

    [Fact]
    public void Reinstate_Retired_DecryptsAgain()
    {
        var change = KeyRingRules.Reinstate(Ring(), 2, "ops", Now);

        Assert.Equal(KeyState.DecryptOnly, change.Ring!.Keys.Single(k => k.Version == 2).State);
        Assert.Equal(KeyRingEventKind.Reinstated, change.Event!.Kind);
    }

    [Fact]
    public void Reinstate_Active_IsRefused()
    {
        var change = KeyRingRules.Reinstate(Ring(), 3, "ops", Now);

        Assert.Equal("Key version 3 cannot become DecryptOnly: it is Active, not retired.", change.Refusal!.Reason);
    }

    [Fact]
    public void Destroy_WithAnInventoryThatShowsTheVersionUnused_RemovesItsMaterial()
    {
        var proof = KeyUsageInventory.FromCounts(new Dictionary<int, long> { [3] = 10 });

        var change = KeyRingRules.Destroy(Ring(), 1, "ops", proof, force: false, Now);

        Assert.Null(change.Refusal);
        Assert.Equal(KeyState.Destroyed, change.Ring!.Keys.Single(k => k.Version == 1).State);
        Assert.Equal(KeyRingEventKind.Destroyed, change.Event!.Kind);
    }

    public static TheoryData<string, string> MissingEvidence() => new()
    {
        { "none", "no key-usage inventory was given" },
        { "empty", "the inventory scanned no ciphertext" },
        { "legacy", "legacy ciphertexts" },
        { "malformed", "unreadable entries" },
        { "in use", "ciphertexts under it" },
    };

    [Theory]
    [MemberData(nameof(MissingEvidence))]
    public void Destroy_WithoutProof_IsRefusedAsMissingEvidence(string inventoryKind, string reason)
    {
        KeyUsageInventory? inventory = inventoryKind switch
        {
            "none" => null,
            "empty" => new KeyUsageInventory(),
            "legacy" => KeyUsageInventory.FromCounts(new Dictionary<int, long> { [3] = 1 }, legacy: 1),
            "malformed" => KeyUsageInventory.FromCounts(new Dictionary<int, long> { [3] = 1 }, malformed: 1),
            _ => KeyUsageInventory.FromCounts(new Dictionary<int, long> { [1] = 2, [3] = 1 }),
        };

        var change = KeyRingRules.Destroy(Ring(), 1, "ops", inventory, force: false, Now);

        var error = Assert.IsType<KeyDestructionRefusedException>(change.Refusal!.ToException());
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Equal(1, error.Version);
    }

    [Fact]
    public void Destroy_Forced_NeedsNoProofButNeverTheActiveVersion()
    {
        Assert.Equal(KeyState.Destroyed, KeyRingRules.Destroy(Ring(), 1, "ops", null, force: true, Now).Ring!.Keys[0].State);
        Assert.IsType<InvalidOperationException>(KeyRingRules.Destroy(Ring(), 3, "ops", null, force: true, Now).Refusal!.ToException());
    }

    [Fact]
    public void RotateIndexKey_FirstAndSecond_NewestComputesOldStaysForLookups()
    {
        var first = KeyRingRules.RotateIndexKey(Ring(), "ops", Now).Ring!;
        var second = KeyRingRules.RotateIndexKey(first, "ops", Now).Ring!;

        Assert.Equal([1, 2], second.IndexKeys.Select(k => k.Version));
        Assert.Equal(2, second.ActiveIndexKey!.Version);
        Assert.Equal(KeyRingEventKind.IndexKeyRotated, second.History[^1].Kind);
    }

    [Fact]
    public void RetireIndexKey_RefusalsThenAcceptedWithProof()
    {
        var ring = KeyRingRules.RotateIndexKey(KeyRingRules.RotateIndexKey(Ring(), "ops", Now).Ring!, "ops", Now).Ring!;
        var inUse = KeyUsageInventory.FromCounts(new Dictionary<int, long> { [1] = 5, [2] = 9 });
        var unused = KeyUsageInventory.FromCounts(new Dictionary<int, long> { [2] = 14 });

        Assert.Equal("The key ring has no index key version 7.", KeyRingRules.RetireIndexKey(ring, 7, "ops", null, false, Now).Refusal!.Reason);
        Assert.Contains("computes new indexes", KeyRingRules.RetireIndexKey(ring, 2, "ops", null, true, Now).Refusal!.Reason, StringComparison.Ordinal);
        Assert.StartsWith("Index key version 1 was not retired: no blind index inventory",
            KeyRingRules.RetireIndexKey(ring, 1, "ops", null, false, Now).Refusal!.ToException().Message, StringComparison.Ordinal);
        Assert.Equal(KeyRingRefusalKind.MissingIndexEvidence, KeyRingRules.RetireIndexKey(ring, 1, "ops", inUse, false, Now).Refusal!.Kind);
        Assert.Equal([2], KeyRingRules.RetireIndexKey(ring, 1, "ops", unused, false, Now).Ring!.IndexKeys.Select(k => k.Version));
    }

    [Fact]
    public void Reprotect_ChangesNoKeyAndRecordsAnEvent()
    {
        var ring = Ring();

        var change = KeyRingRules.Reprotect(ring, "ops", Now);

        Assert.Equal(ring.Keys, change.Ring!.Keys);
        Assert.Equal(new KeyRingEvent(KeyRingEventKind.Reprotected, 3, Now, "ops"), change.Event);
    }
}
