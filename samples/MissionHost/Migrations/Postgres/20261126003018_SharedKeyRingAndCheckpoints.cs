using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MissionHost.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class SharedKeyRingAndCheckpoints : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "Checkpoint",
                columns: table => new
                {
                    name = table.Column<string>(type: "text", nullable: false),
                    targetVersion = table.Column<int>(type: "integer", nullable: false),
                    lastId = table.Column<string>(type: "text", nullable: true),
                    done = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Checkpoint", x => x.name);
                });

            migrationBuilder.CreateTable(
                name: "VersionedEnvelopeKeyRings",
                columns: table => new
                {
                    Name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    Revision = table.Column<long>(type: "bigint", nullable: false),
                    Document = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_VersionedEnvelopeKeyRings", x => x.Name);
                });

            migrationBuilder.CreateIndex(
                name: "UserProfile_keyVersion",
                table: "UserProfile",
                column: "keyVersion");

            migrationBuilder.CreateIndex(
                name: "Mission_completedAt",
                table: "Mission",
                column: "completedAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "Checkpoint");

            migrationBuilder.DropTable(
                name: "VersionedEnvelopeKeyRings");

            migrationBuilder.DropIndex(
                name: "UserProfile_keyVersion",
                table: "UserProfile");

            migrationBuilder.DropIndex(
                name: "Mission_completedAt",
                table: "Mission");
        }
    }
}
