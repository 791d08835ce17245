namespace VersionedEnvelope.Cli;

/// <summary>The command line is wrong: exit code 2 with the command's help.</summary>
internal sealed class UsageException(string message) : Exception(message);
