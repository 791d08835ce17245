using System.Globalization;
using VersionedEnvelope.Internal;

namespace VersionedEnvelope;

/// <summary>
/// One version of a key ring: its number, its state and (unless destroyed) its 256-bit key-encryption key.
/// Immutable; <see cref="ToString"/> never shows key material.
/// </summary>
public sealed class EnvelopeKey
{
    /// <summary>Creates a key version with the given 256-bit key material (copied; the caller may clear its buffer).</summary>
    /// <param name="version">The version, 1 to 2^31-1.</param>
    /// <param name="state">Any state but <see cref="KeyState.Destroyed"/>: a destroyed key has no material.</param>
    /// <param name="keyMaterial">Exactly 32 bytes.</param>
    /// <param name="createdAt">When the key was created.</param>
    /// <exception cref="ArgumentOutOfRangeException">The version is not positive or the state is not defined.</exception>
    /// <exception cref="ArgumentException">The key is not 32 bytes, or the state is <see cref="KeyState.Destroyed"/>.</exception>
    public EnvelopeKey(int version, KeyState state, ReadOnlySpan<byte> keyMaterial, DateTimeOffset createdAt)
        : this(version, state, CreateMaterial(state, keyMaterial), createdAt)
    {
    }

    private EnvelopeKey(int version, KeyState state, KeyEncryptionKey? material, DateTimeOffset createdAt, DateTimeOffset? activatesAt = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(version);
        if (!Enum.IsDefined(state))
        {
            throw new ArgumentOutOfRangeException(nameof(state), state, "Unknown key state.");
        }

        if ((state == KeyState.Pending) != activatesAt.HasValue)
        {
            throw new ArgumentException(state == KeyState.Pending
                ? $"Pending key version {version} needs the time it becomes active."
                : $"Only a pending key version has an activation time; version {version} is {state}.");
        }

        Version = version;
        State = state;
        Material = material;
        CreatedAt = createdAt;
        ActivatesAt = activatesAt;
    }

    /// <summary>The key version written into ciphertext headers.</summary>
    public int Version { get; }

    /// <summary>What the version may be used for.</summary>
    public KeyState State { get; }

    /// <summary>When the key was created.</summary>
    public DateTimeOffset CreatedAt { get; }

    /// <summary>When a <see cref="KeyState.Pending"/> version becomes active; <see langword="null"/> for every other state.</summary>
    public DateTimeOffset? ActivatesAt { get; }

    /// <summary><see langword="true"/> unless the key was destroyed.</summary>
    public bool HasMaterial => Material is not null;

    internal KeyEncryptionKey? Material { get; }

    /// <summary>Creates a key version with fresh random key material.</summary>
    /// <param name="version">The version, 1 to 2^31-1.</param>
    /// <param name="state">Any state but <see cref="KeyState.Destroyed"/>.</param>
    /// <param name="createdAt">When the key was created.</param>
    /// <returns>The new key.</returns>
    public static EnvelopeKey Generate(int version, KeyState state, DateTimeOffset createdAt)
    {
        ThrowIfDestroyed(state);
        return new EnvelopeKey(version, state, KeyEncryptionKey.Generate(), createdAt);
    }

    /// <summary>Creates the record of a destroyed key version: its number stays reserved, it has no material.</summary>
    /// <param name="version">The version.</param>
    /// <param name="createdAt">When the key was created.</param>
    /// <returns>The destroyed key.</returns>
    public static EnvelopeKey CreateDestroyed(int version, DateTimeOffset createdAt) =>
        new(version, KeyState.Destroyed, material: null, createdAt);

    /// <summary>Creates a <see cref="KeyState.Pending"/> version with fresh random key material.</summary>
    /// <param name="version">The version number.</param>
    /// <param name="createdAt">When it was created.</param>
    /// <param name="activatesAt">When it becomes the active version.</param>
    /// <returns>The new pending version.</returns>
    public static EnvelopeKey GeneratePending(int version, DateTimeOffset createdAt, DateTimeOffset activatesAt) =>
        new(version, KeyState.Pending, KeyEncryptionKey.Generate(), createdAt, activatesAt);

    /// <summary>This version as <see cref="KeyState.Pending"/> until <paramref name="activatesAt"/> (a stored pending key, read back).</summary>
    internal EnvelopeKey AsPending(DateTimeOffset activatesAt) =>
        Material is null
            ? throw new InvalidOperationException($"Key version {Version} was destroyed; it cannot become pending.")
            : new(Version, KeyState.Pending, Material, CreatedAt, activatesAt);

    /// <summary>Returns this version in another state. Moving to <see cref="KeyState.Destroyed"/> drops the material.</summary>
    /// <param name="state">The new state.</param>
    /// <returns>A key with the same version and material (unless destroyed).</returns>
    /// <exception cref="InvalidOperationException">This key is destroyed and <paramref name="state"/> is not.</exception>
    public EnvelopeKey WithState(KeyState state)
    {
        if (state == State)
        {
            return this;
        }

        if (state != KeyState.Destroyed && Material is null)
        {
            throw new InvalidOperationException($"Key version {Version} was destroyed; it cannot become {state}.");
        }

        if (state == KeyState.Pending)
        {
            throw new ArgumentException("A version becomes pending only when it is created (GeneratePending).", nameof(state));
        }

        return new EnvelopeKey(Version, state, state == KeyState.Destroyed ? null : Material, CreatedAt);
    }

    /// <summary>
    /// Copies the 256-bit key material into <paramref name="destination"/>, for key-ring stores that persist it.
    /// Clear the copy with <see cref="System.Security.Cryptography.CryptographicOperations.ZeroMemory"/> when done.
    /// </summary>
    /// <param name="destination">At least 32 bytes.</param>
    /// <exception cref="InvalidOperationException">The key was destroyed.</exception>
    /// <exception cref="ArgumentException">The destination is shorter than 32 bytes.</exception>
    public void CopyKeyMaterialTo(Span<byte> destination)
    {
        if (Material is null)
        {
            throw new InvalidOperationException($"Key version {Version} was destroyed; it has no key material.");
        }

        if (destination.Length < Ve1Layout.KeySize)
        {
            throw new ArgumentException($"The destination must hold {Ve1Layout.KeySize} bytes.", nameof(destination));
        }

        Material.CopyTo(destination);
    }

    /// <summary>Describes the version and state; never the key material.</summary>
    /// <returns>For example <c>v3 (Active)</c>.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"v{Version} ({State})");

    private static KeyEncryptionKey CreateMaterial(KeyState state, ReadOnlySpan<byte> keyMaterial)
    {
        ThrowIfDestroyed(state);
        return new KeyEncryptionKey(keyMaterial);
    }

    private static void ThrowIfDestroyed(KeyState state)
    {
        if (state == KeyState.Destroyed)
        {
            throw new ArgumentException("A destroyed key version has no key material; use CreateDestroyed.", nameof(state));
        }
    }
}
