using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MissionHost.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Phase9VaultAndTelemetry : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "keyRotationHistory",
                table: "UserProfile",
                type: "TEXT",
                nullable: true,
                comment: "Audit trail of key rotations when apiKey was last written: [{ version, rotatedAt, rotatedBy }].");

            migrationBuilder.AddColumn<int>(
                name: "keyVersion",
                table: "UserProfile",
                type: "INTEGER",
                nullable: false,
                defaultValue: 1,
                comment: "Key version that encrypted apiKey (the version in its VE1 header); 1 for values written before versioning.");

            migrationBuilder.AddColumn<string>(
                name: "agentCosts",
                table: "Mission",
                type: "TEXT",
                nullable: true,
                comment: "Per-agent usage of the mission: { \"agentName\": { \"tokens\", \"cost\", \"duration\" } } (cost in credits, duration in ms).");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "keyRotationHistory",
                table: "UserProfile");

            migrationBuilder.DropColumn(
                name: "keyVersion",
                table: "UserProfile");

            migrationBuilder.DropColumn(
                name: "agentCosts",
                table: "Mission");
        }
    }
}
