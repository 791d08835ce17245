using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace VersionedEnvelope.EntityFrameworkCore.Internal;

/// <summary>Where an entity's encrypted values live in SQL: its table, single-column primary key and encrypted columns.</summary>
internal sealed class EncryptedTableMap
{
    private EncryptedTableMap(string table, string keyColumn, Type keyType, IReadOnlyList<EncryptedColumnMap> columns, SqlDialect dialect)
    {
        Table = table;
        KeyColumn = keyColumn;
        KeyType = keyType;
        Columns = columns;
        Dialect = dialect;
    }

    /// <summary>The delimited table name, with its schema.</summary>
    public string Table { get; }

    /// <summary>The delimited primary key column.</summary>
    public string KeyColumn { get; }

    /// <summary>The primary key's type in the database (after any conversion).</summary>
    public Type KeyType { get; }

    public IReadOnlyList<EncryptedColumnMap> Columns { get; }

    /// <summary>What the database can do, for the SQL written against this table.</summary>
    public SqlDialect Dialect { get; }

    /// <summary>Whether one <c>UPDATE … FROM (VALUES …)</c> can write a whole batch (PostgreSQL, SQLite 3.33+).</summary>
    public bool SupportsUpdateFromValues { get; }

    public static EncryptedTableMap For(DbContext context, Type entityClrType, string? onlyProperty = null)
    {
        var entityType = context.Model.FindEntityType(entityClrType)
            ?? throw new InvalidOperationException($"{entityClrType.Name} is not an entity of {context.GetType().Name}.");
        string tableName = entityType.GetTableName()
            ?? throw new InvalidOperationException($"{entityType.ShortName()} is not mapped to a table.");
        var table = StoreObjectIdentifier.Table(tableName, entityType.GetSchema());
        var sql = context.GetService<ISqlGenerationHelper>();
        var key = entityType.FindPrimaryKey();
        if (key is null || key.Properties.Count != 1)
        {
            throw new NotSupportedException($"{entityType.ShortName()} needs a single-column primary key: re-encryption pages through the table by it.");
        }

        var keyProperty = key.Properties[0];
        var keyMapping = keyProperty.GetRelationalTypeMapping();
        var columns = new List<EncryptedColumnMap>();
        foreach (var property in entityType.GetProperties())
        {
            if (EncryptionSaveChangesInterceptor.GetCodec(property) is not { } codec || (onlyProperty is not null && property.Name != onlyProperty))
            {
                continue;
            }

            string? keyVersion = codec.KeyVersionProperty is { } name
                ? sql.DelimitIdentifier(entityType.FindProperty(name)!.GetColumnName(table)!)
                : null;
            string? blindIndex = codec.BlindIndex is { } index
                ? sql.DelimitIdentifier(entityType.FindProperty(index.IndexProperty)!.GetColumnName(table)!)
                : null;
            string column = sql.DelimitIdentifier(property.GetColumnName(table)!);
            columns.Add(new EncryptedColumnMap(property.Name, column, codec, property.ClrType == typeof(string), keyVersion, blindIndex));
        }

        if (columns.Count == 0)
        {
            throw new InvalidOperationException(onlyProperty is null
                ? $"{entityType.ShortName()} has no encrypted properties (IsEncrypted() or [Encrypted]) in a context configured with UseVersionedEnvelope."
                : $"{entityType.ShortName()}.{onlyProperty} is not an encrypted property.");
        }

        return new EncryptedTableMap(
            sql.DelimitIdentifier(tableName, entityType.GetSchema()),
            sql.DelimitIdentifier(keyProperty.GetColumnName(table)!),
            keyMapping.Converter?.ProviderClrType ?? keyProperty.ClrType,
            columns,
            SqlDialect.For(context));
    }
}

/// <summary>One encrypted column: its delimited name, codec, form, <c>keyVersion</c> column and blind index column.</summary>
internal sealed record EncryptedColumnMap(
    string Property,
    string Column,
    EncryptedColumnCodec Codec,
    bool IsText,
    string? KeyVersionColumn,
    string? BlindIndexColumn);
