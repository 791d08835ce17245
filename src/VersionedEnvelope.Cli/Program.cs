using VersionedEnvelope.Cli;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

using var stdin = Console.OpenStandardInput();
using var stdout = Console.OpenStandardOutput();
return await new Cli(stdin, stdout, Console.Error, Environment.GetEnvironmentVariable).RunAsync(args, cancel.Token);
