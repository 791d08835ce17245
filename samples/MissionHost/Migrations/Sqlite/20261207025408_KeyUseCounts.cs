using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MissionHost.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class KeyUseCounts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "VersionedEnvelopeKeyUses",
                columns: table => new
                {
                    RingName = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false),
                    Count = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_VersionedEnvelopeKeyUses", x => new { x.RingName, x.Version });
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "VersionedEnvelopeKeyUses");
        }
    }
}
