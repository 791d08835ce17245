using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MissionHost.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class EncryptedEmailWithBlindIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "emailIndex",
                table: "UserProfile",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_UserProfile_emailIndex",
                table: "UserProfile",
                column: "emailIndex");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_UserProfile_emailIndex",
                table: "UserProfile");

            migrationBuilder.DropColumn(
                name: "emailIndex",
                table: "UserProfile");
        }
    }
}
