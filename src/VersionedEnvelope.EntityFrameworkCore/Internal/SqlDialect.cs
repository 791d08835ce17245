using System.Data.Common;
using System.Globalization;
using Microsoft.EntityFrameworkCore;

namespace VersionedEnvelope.EntityFrameworkCore.Internal;

/// <summary>What the database can do, for the SQL that re-encryption and the blind index backfill write.</summary>
/// <remarks>
/// SQL is built from these capabilities, never from the provider's name: the name only picks the dialect once (the
/// package has no compile-time dependency on any provider), and SQLite's server version decides whether it can update
/// from a list of values.
/// </remarks>
internal sealed class SqlDialect
{
    /// <summary>PostgreSQL: set-based conditional updates, <c>LIMIT</c>, and <c>FOR UPDATE SKIP LOCKED</c> for claimed key ranges.</summary>
    public static readonly SqlDialect PostgreSql = new(
        "PostgreSQL", updatesFromValues: true, skipLocked: true, top: false, updatesFromArrays: true, rewritesTextInPlace: true, parametersPerUpdate: 3_000);

    /// <summary>SQLite 3.35 or later: set-based conditional updates (<c>UPDATE … FROM</c>, <c>RETURNING</c>) and <c>LIMIT</c>.</summary>
    public static readonly SqlDialect Sqlite = new(
        "SQLite", updatesFromValues: true, skipLocked: false, top: false, rewritesTextInPlace: true, parametersPerUpdate: 250);

    /// <summary>SQL Server: one conditional update per row, <c>TOP</c>.</summary>
    public static readonly SqlDialect SqlServer = new("SQL Server", updatesFromValues: false, skipLocked: false, top: true);

    /// <summary>Any other database (and SQLite before 3.35): one conditional update per row, <c>LIMIT</c>.</summary>
    public static readonly SqlDialect Generic = new("generic", updatesFromValues: false, skipLocked: false, top: false);

    private readonly bool _top;

    private SqlDialect(
        string name,
        bool updatesFromValues,
        bool skipLocked,
        bool top,
        bool updatesFromArrays = false,
        bool rewritesTextInPlace = false,
        int parametersPerUpdate = 1)
    {
        Name = name;
        ParametersPerUpdate = parametersPerUpdate;
        RewritesTextInPlace = rewritesTextInPlace;
        UpdatesFromArrays = updatesFromArrays;
        UpdatesFromValues = updatesFromValues;
        SkipLocked = skipLocked;
        _top = top;
    }

    public string Name { get; }

    /// <summary>
    /// Whether one statement can update many rows each to its own value, only where each still holds what was read, and
    /// name the rows it updated: <c>UPDATE t SET … FROM (VALUES …) AS d WHERE … RETURNING key</c>.
    /// </summary>
    /// <remarks>
    /// Otherwise one conditional update per row, counted by its affected rows.
    /// </remarks>
    public bool UpdatesFromValues { get; }

    /// <summary>
    /// Whether a batch's values can travel as one array parameter per column, unnested on the server: <c>UPDATE t SET …
    /// FROM unnest(@keys, @old, @new) AS d(…) WHERE …</c>.
    /// </summary>
    /// <remarks>
    /// Three parameters for any number of rows, where <c>VALUES</c> binds three per row.
    /// </remarks>
    public bool UpdatesFromArrays { get; }

    /// <summary>
    /// Whether a set-based update can rewrite the start of a text value and keep the rest where it is.
    /// </summary>
    /// <remarks>
    /// <c>SET c = d.new || substr(c, length(d.old) + 1) WHERE substr(c, 1, length(d.old)) = d.old AND length(c) =
    /// d.length</c>, with <c>substr</c> and <c>length</c> counting characters. A rewrap then sends a value's head, not
    /// the whole value.
    /// </remarks>
    public bool RewritesTextInPlace { get; }

    /// <summary>How many parameters one <c>UPDATE … FROM (VALUES …)</c> binds at most.</summary>
    /// <remarks>
    /// Npgsql binds parameters in order, at a cost linear in their count, so PostgreSQL's statements are large (far
    /// below its limit). Microsoft.Data.Sqlite binds each parameter by name, which SQLite finds by scanning the
    /// statement's names, so binding a statement costs the square of its parameters: 250 (about 35 rows of two text
    /// columns) re-encrypted the sample's 10,000 profiles in 0.50 s where 3,000 took 0.97 s.
    /// </remarks>
    public int ParametersPerUpdate { get; }

    /// <summary>Whether <c>SELECT … FOR UPDATE SKIP LOCKED</c> lets hosts claim rows side by side (claimed key ranges).</summary>
    public bool SkipLocked { get; }

    /// <summary>How a page's row limit is written: before the columns (<c>TOP (n)</c>) or after the order (<c>LIMIT n</c>).</summary>
    public (string Top, string Limit) RowLimit(int count) => _top
        ? (string.Create(CultureInfo.InvariantCulture, $"TOP ({count}) "), "")
        : ("", string.Create(CultureInfo.InvariantCulture, $" LIMIT {count}"));

    /// <summary>The update form this database does best: arrays with <c>unnest</c>, else <c>VALUES</c>, else one update per row.</summary>
    public IRowUpdateStrategy UpdateStrategy(UpdateSqlParts parts) =>
        UpdatesFromArrays ? new UnnestRowUpdate(parts, new ValuesRowUpdate(parts))
        : UpdatesFromValues ? new ValuesRowUpdate(parts)
        : new RowByRowUpdate(parts);

    /// <summary>The dialect of a context's database.</summary>
    public static SqlDialect For(DbContext context) => context.Database.ProviderName switch
    {
        "Npgsql.EntityFrameworkCore.PostgreSQL" => PostgreSql,
        "Microsoft.EntityFrameworkCore.Sqlite" => SqliteCanUpdateFromValues(context.Database.GetDbConnection()) ? Sqlite : Generic,
        "Microsoft.EntityFrameworkCore.SqlServer" => SqlServer,
        _ => Generic,
    };

    /// <summary>UPDATE … FROM came with SQLite 3.33 and RETURNING with 3.35; the library version needs no open connection.</summary>
    private static bool SqliteCanUpdateFromValues(DbConnection connection) =>
        Version.TryParse(connection.ServerVersion, out var version) && version >= new Version(3, 35);

    public override string ToString() => Name;
}
