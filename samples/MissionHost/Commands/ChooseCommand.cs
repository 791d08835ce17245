namespace MissionHost.Commands;

/// <summary>
/// What a command's parse action does: hands Program the command's work, bound to its parsed values, to run after
/// System.CommandLine has finished (so errors and exit codes are mapped in one place).
/// </summary>
/// <param name="run">The command's work.</param>
internal delegate void ChooseCommand(Func<CancellationToken, Task<int>> run);
