using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Satcar.Testing;

/// <summary>
/// A real redis-server started for a test on a free loopback port, without persistence, and stopped
/// by its PID. The test script installs redis-server when it is missing.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TempDirectory _dir;

    private RedisServer(Process process, TempDirectory dir, string address, int port)
    {
        _process = process;
        _dir = dir;
        Address = address;
        Port = port;
    }

    public string Address { get; }

    public int Port { get; }

    /// <summary><c>host:port</c>, as a component's <c>redisHost</c>.</summary>
    public string HostPort => $"{Address}:{Port}";

    public int Pid => _process.Id;

    public static async Task<RedisServer> StartAsync(string address = "127.0.0.1", string? password = null)
    {
        var dir = new TempDirectory();
        var port = Ports.Free(address);
        var info = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--port", port.ToString(), "--bind", address, "--save", "", "--appendonly", "no", "--dir", dir.Path, "--protected-mode", "no" })
        {
            info.ArgumentList.Add(arg);
        }

        if (password is not null)
        {
            info.ArgumentList.Add("--requirepass");
            info.ArgumentList.Add(password);
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            dir.Dispose();
            throw new InvalidOperationException("redis-server is not installed; run ./test.sh, which installs it", e);
        }

        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new RedisServer(process, dir, address, port);
        await server.WaitUntilReadyAsync();
        return server;
    }

    private async Task WaitUntilReadyAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited with code {_process.ExitCode}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(Address, Port);
                var stream = client.GetStream();
                await stream.WriteAsync("PING\r\n"u8.ToArray());
                var buffer = new byte[64];
                var read = await stream.ReadAsync(buffer);
                if (Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal)
                    || Encoding.ASCII.GetString(buffer, 0, read).StartsWith("-NOAUTH", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (SocketException)
            {
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("redis-server did not answer PING within 10 s");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _dir.Dispose();
    }
}
