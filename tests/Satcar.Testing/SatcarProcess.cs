using System.Diagnostics;
using System.Net;
using System.Text;

namespace Satcar.Testing;

/// <summary>
/// The real <c>satcar</c> executable started as a child process (<c>dotnet satcar.dll …</c>), its output
/// captured, stopped by its PID when the test is done.
/// </summary>
public sealed class SatcarProcess : IAsyncDisposable
{
    private static readonly HttpClient s_probe = new() { Timeout = TimeSpan.FromSeconds(2) };

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SatcarProcess(Process process, int httpPort, int grpcPort, string host)
    {
        _process = process;
        HttpPort = httpPort;
        GrpcPort = grpcPort;
        BaseUri = new Uri($"http://{host}:{httpPort}");
        GrpcUri = new Uri($"http://{host}:{grpcPort}");
    }

    public int HttpPort { get; }

    /// <summary>The Dapr HTTP API, such as <c>http://127.0.0.1:43125</c>.</summary>
    public Uri BaseUri { get; }

    /// <summary>The port of the Dapr gRPC API of a satcar or link (0 for other commands).</summary>
    public int GrpcPort { get; }

    /// <summary>The Dapr gRPC API, such as <c>http://127.0.0.1:43127</c> (HTTP/2 without TLS).</summary>
    public Uri GrpcUri { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Everything the process wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts <c>satcar run</c> with <paramref name="args"/> plus <c>--dapr-http-port</c> on a free port
    /// (bound to <paramref name="host"/>), then waits until <c>/v1.0/healthz/outbound</c> answers 204.
    /// </summary>
    public static async Task<SatcarProcess> RunAsync(
        IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null, string host = "127.0.0.1", bool waitForApp = false)
    {
        var port = Ports.Free(host);
        var all = new List<string> { "run", "--dapr-http-port", port.ToString(), "--dapr-listen-addresses", host };
        all.AddRange(args);
        var satcar = Start(all, environment, port, host);
        await satcar.WaitUntilReadyAsync(waitForApp ? "/v1.0/healthz" : "/v1.0/healthz/outbound");
        return satcar;
    }

    /// <summary>
    /// Starts the satcar executable with <paramref name="args"/>. For <c>satcar run</c> and <c>satcar link</c>
    /// without <c>--dapr-grpc-port</c>, a free one on <paramref name="host"/> is added: the default 50001
    /// would collide between the satcars and links tests run side by side.
    /// </summary>
    public static SatcarProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null, int httpPort = 0, string host = "127.0.0.1")
    {
        var arguments = args.ToList();
        var grpcPort = 0;
        var grpcFlag = arguments.FindIndex(a => a is "--dapr-grpc-port" or "-dapr-grpc-port");
        if (grpcFlag >= 0 && grpcFlag + 1 < arguments.Count)
        {
            // A test that passes a malformed port is testing the error; there is no gRPC port then.
            grpcPort = int.TryParse(arguments[grpcFlag + 1], out var given) ? given : 0;
        }
        else if (arguments.Count > 0 && (arguments[0] == "run" || (arguments[0] == "link" && !arguments.Contains("--no-grpc"))))
        {
            grpcPort = Ports.Free(host);
            arguments.AddRange(["--dapr-grpc-port", grpcPort.ToString()]);
        }

        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(RepositoryPaths.SatcarDll);
        foreach (var arg in arguments)
        {
            info.ArgumentList.Add(arg);
        }

        // A test decides the environment the satcar sees; inherited Dapr variables would leak between tests.
        foreach (var name in new[] { "DAPR_API_TOKEN", "APP_API_TOKEN", "DAPR_HTTP_PORT", "NAMESPACE", "DAPR_HOST_IP" })
        {
            info.Environment.Remove(name);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            info.Environment[name] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        var satcar = new SatcarProcess(process, httpPort, grpcPort, host);
        process.OutputDataReceived += (_, e) => satcar.Append(e.Data);
        process.ErrorDataReceived += (_, e) => satcar.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return satcar;
    }

    /// <summary>Runs the satcar executable to completion and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        await using var satcar = Start(args, environment);
        var exitCode = await satcar.WaitForExitAsync(timeout ?? TimeSpan.FromSeconds(30));
        return (exitCode, satcar.Output);
    }

    /// <summary>Waits for the process to exit; fails the test when it does not within <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"satcar did not exit within {timeout}. Output:\n{Output}");
        }

        // WaitForExitAsync returns once the output streams have closed, so Output is complete here.
        return _process.ExitCode;
    }

    /// <summary>Waits (up to 30 s) until the output contains <paramref name="text"/>.</summary>
    public async Task WaitForOutputAsync(string text)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited || DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"satcar did not write '{text}' within 30 s. Output:\n{Output}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Sends SIGTERM, as a process manager would, and waits for the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()]);
            await kill!.WaitForExitAsync();
        }

        return await WaitForExitAsync(timeout);
    }

    /// <summary>Kills the process with SIGKILL, as a crash would, and waits for it to be gone.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync();
    }

    private async Task WaitUntilReadyAsync(string path)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                await _process.WaitForExitAsync();
                throw new InvalidOperationException($"satcar exited with code {_process.ExitCode} before it was ready. Output:\n{Output}");
            }

            try
            {
                using var response = await s_probe.GetAsync(new Uri(BaseUri, path));
                if (response.StatusCode == HttpStatusCode.NoContent)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"satcar was not ready within 30 s. Output:\n{Output}");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
