using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MissionHost.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AgentCostsShapeCheck : Migration
    {
        // Whether each mission's agentCosts has the agentCosts shape, kept by the database on every write: the breakdown
        // query reads one boolean per mission instead of checking the JSON on every read (20-30 µs a mission).
        // The function accepts exactly what MissionCosts.Parse accepts from jsonb text: an object whose keys are
        // non-empty agent names, each mapping to an object with exactly tokens, cost and duration, each a JSON number
        // written as a whole number without sign or fraction that fits a 64-bit integer. CASE keeps the order of the
        // tests (PostgreSQL does not promise to short-circuit AND).
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE FUNCTION mission_agent_costs_valid(costs jsonb) RETURNS boolean
                LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
                SELECT CASE
                    WHEN costs IS NULL THEN NULL
                    WHEN jsonb_typeof(costs) <> 'object' THEN false
                    ELSE NOT EXISTS (
                        SELECT 1 FROM jsonb_each(costs) AS agent(name, v)
                        WHERE NOT CASE
                            WHEN agent.name = '' OR jsonb_typeof(v) <> 'object' THEN false
                            WHEN NOT (v ?& array['tokens', 'cost', 'duration']) OR (v - array['tokens', 'cost', 'duration']) <> '{}'::jsonb THEN false
                            WHEN jsonb_typeof(v -> 'tokens') <> 'number' OR jsonb_typeof(v -> 'cost') <> 'number' OR jsonb_typeof(v -> 'duration') <> 'number' THEN false
                            ELSE scale((v -> 'tokens')::numeric) = 0 AND (v -> 'tokens')::numeric BETWEEN 0 AND 9223372036854775807
                             AND scale((v -> 'cost')::numeric) = 0 AND (v -> 'cost')::numeric BETWEEN 0 AND 9223372036854775807
                             AND scale((v -> 'duration')::numeric) = 0 AND (v -> 'duration')::numeric BETWEEN 0 AND 9223372036854775807
                        END)
                END
                $$;
                """);
            migrationBuilder.Sql("""
                ALTER TABLE "Mission" ADD COLUMN "agentCostsValid" boolean GENERATED ALWAYS AS (mission_agent_costs_valid("agentCosts")) STORED;
                COMMENT ON COLUMN "Mission"."agentCostsValid" IS 'Whether agentCosts has the agentCosts shape (null when agentCosts is null); computed by the database on every write.';
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                ALTER TABLE "Mission" DROP COLUMN "agentCostsValid";
                DROP FUNCTION mission_agent_costs_valid(jsonb);
                """);
        }
    }
}
