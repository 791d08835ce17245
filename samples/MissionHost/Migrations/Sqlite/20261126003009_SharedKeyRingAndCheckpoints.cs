using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MissionHost.Migrations.Sqlite
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
                    name = table.Column<string>(type: "TEXT", nullable: false),
                    targetVersion = table.Column<int>(type: "INTEGER", nullable: false),
                    lastId = table.Column<string>(type: "TEXT", nullable: true),
                    done = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Checkpoint", x => x.name);
                });

            migrationBuilder.CreateTable(
                name: "VersionedEnvelopeKeyRings",
                columns: table => new
                {
                    Name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Revision = table.Column<long>(type: "INTEGER", nullable: false),
                    Document = table.Column<string>(type: "TEXT", nullable: false)
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
