using System.Globalization;
using System.Text.Json;

namespace VersionedEnvelope.Storage;

/// <summary>The file store's use counts: a JSON object of version → wraps (<c>{"1": 1200, "2": 35}</c>), replaced atomically.</summary>
internal static class KeyUseFile
{
    public static async Task<IReadOnlyDictionary<int, long>> ReadAsync(string path, CancellationToken cancellationToken)
    {
        byte[] content;
        try
        {
            content = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return new SortedDictionary<int, long>();
        }

        try
        {
            var counts = new SortedDictionary<int, long>();
            using var document = JsonDocument.Parse(content);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!int.TryParse(property.Name, NumberStyles.None, CultureInfo.InvariantCulture, out int version) || version < 1
                    || !property.Value.TryGetInt64(out long count) || count < 0)
                {
                    throw new KeyRingStoreException($"The key use counts in '{path}' hold an entry that is not a version and a count ('{property.Name}').");
                }

                counts[version] = count;
            }

            return counts;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            throw new KeyRingStoreException(
                $"The key use counts in '{path}' are not a JSON object of counts by version; delete the file to count from zero.", ex);
        }
    }

    public static async Task WriteAsync(string path, IReadOnlyDictionary<int, long> counts, FileStreamOptions options, CancellationToken cancellationToken)
    {
        string temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            var stream = new FileStream(temporary, options);
            await using (stream.ConfigureAwait(false))
            {
                var writer = new Utf8JsonWriter(stream);
                await using var writerLifetime = writer.ConfigureAwait(false);
                writer.WriteStartObject();
                foreach (var (version, count) in counts)
                {
                    writer.WriteNumber(version.ToString(CultureInfo.InvariantCulture), count);
                }

                writer.WriteEndObject();
                await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
