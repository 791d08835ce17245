using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MissionHost.Migrations.Postgres
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
                    RingName = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    Version = table.Column<int>(type: "integer", nullable: false),
                    Count = table.Column<long>(type: "bigint", nullable: false)
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
