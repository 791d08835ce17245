using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AgentCosts.Extensions.AI.Tests;

/// <summary>
/// A local HTTP server on 127.0.0.1 that answers every request with one recorded body (JSON, or server-sent events), as a
/// provider's API would: the official SDKs talk to it through their own HTTP stacks.
/// </summary>
internal sealed class ReplayServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _serving;
    private readonly CancellationTokenSource _stop = new();

    public ReplayServer(string contentType, string body)
    {
        Port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _serving = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception) when (_stop.IsCancellationRequested)
                {
                    return;
                }

                Requests.Add(context.Request.Url!.AbsolutePath);
                byte[] bytes = Encoding.UTF8.GetBytes(body);
                context.Response.ContentType = contentType;
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
        });
    }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    public System.Collections.Concurrent.ConcurrentBag<string> Requests { get; } = [];

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _serving;
        }
        catch (ObjectDisposedException)
        {
        }

        _listener.Close();
        _stop.Dispose();
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
