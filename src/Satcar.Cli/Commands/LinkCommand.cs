using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Satcar.Link;
using Satcar.Link.Hosting;

namespace Satcar.Cli.Commands;

/// <summary>
/// <c>satcar link</c>: the app-side forwarder. It listens where the app expects its sidecar
/// (<c>127.0.0.1:3500</c>) and carries every request to the app's satcar, adding the satcar's API
/// token, so an unmodified Dapr app works against a satcar on another host.
/// </summary>
internal static class LinkCommand
{
    public static Command Create()
    {
        var satcarUrl = new Option<string>("--satcar-url") { Description = "The satcar's Dapr HTTP API, such as https://satcar1.example.net:3500.", Required = true };
        var port = new Option<int?>("--dapr-http-port") { Description = "The port the app talks to (default DAPR_HTTP_PORT, else 3500)." };
        var grpcPort = new Option<int?>("--dapr-grpc-port") { Description = "The port the app's gRPC client talks to (default DAPR_GRPC_PORT, else 50001)." };
        var noGrpc = new Option<bool>("--no-grpc") { Description = "Do not take gRPC calls." };
        var listenAddress = new Option<string>("--listen-address") { Description = "The address the link listens on.", DefaultValueFactory = _ => "127.0.0.1" };
        var tokenFile = new Option<string?>("--api-token-file") { Description = "A file holding the satcar's API token (default: DAPR_API_TOKEN)." };
        var caFile = new Option<string?>("--satcar-ca-file") { Description = "PEM CA to check the satcar's certificate against instead of the system store." };
        var skipVerify = new Option<bool>("--satcar-tls-skip-verify") { Description = "Do not verify the satcar's certificate (insecure)." };
        var connectTimeout = new Option<int>("--connect-timeout") { Description = "Milliseconds to wait for a connection to the satcar before answering with an error.", DefaultValueFactory = _ => 1000 };
        var logLevel = new Option<string>("--log-level") { Description = "debug, info, warn or error.", DefaultValueFactory = _ => "info" };
        var command = new Command("link", "Forward the app's localhost Dapr port to its satcar.")
        {
            satcarUrl, port, grpcPort, noGrpc, listenAddress, tokenFile, caFile, skipVerify, connectTimeout, logLevel,
        };

        command.Validators.Add(result =>
        {
            if (result.GetValue(tokenFile) is { } file && !File.Exists(file))
            {
                result.AddError($"--api-token-file: file '{file}' does not exist");
            }

            if (result.GetValue(logLevel) is { } level && ParseLevel(level) is null)
            {
                result.AddError($"--log-level must be one of debug, info, warn, error; got '{level}'");
            }

            // A port from the environment is used only when the flag is absent; a bad one is refused, as `run` does.
            foreach (var (variable, flag) in new[] { ("DAPR_HTTP_PORT", port), ("DAPR_GRPC_PORT", grpcPort) })
            {
                if (result.GetValue(flag) is null && Environment.GetEnvironmentVariable(variable) is { Length: > 0 } text
                    && (EnvironmentPort(variable) is not { } value || value > 65535))
                {
                    result.AddError($"{variable} must be a port number (0-65535); got '{text}'");
                }
            }

            if (result.GetValue(satcarUrl) is { } url && !Uri.TryCreate(url, UriKind.Absolute, out _))
            {
                result.AddError($"--satcar-url must be an absolute URL such as http://127.0.0.2:3500; got '{url}'");
            }
        });

        command.SetAction(async (parse, cancellationToken) =>
        {
            // A link only forwards, and its code never blocks, so socket completions and Kestrel's request processing
            // run where the bytes arrive instead of hopping to the thread pool: with both, the link added 0.108 ms
            // instead of 0.152 at c=1 and forwarded 19.0k instead of 15.6k req/s at c=32 (satcar bench --compare,
            // interleaved rounds against one satcar's /v1.0/healthz). Inline completions alone gained less than half of that.
            SocketEnvironment.Default(SocketEnvironment.InlineCompletions, "1");
            var options = new SatcarLinkOptions
            {
                InlineScheduling = true,
                SatcarUrl = new Uri(parse.GetValue(satcarUrl)!, UriKind.Absolute),
                HttpPort = parse.GetValue(port) ?? EnvironmentPort("DAPR_HTTP_PORT") ?? 3500,
                GrpcPort = parse.GetValue(noGrpc) ? null : parse.GetValue(grpcPort) ?? EnvironmentPort("DAPR_GRPC_PORT") ?? 50001,
                ListenAddress = parse.GetValue(listenAddress)!,
                ApiToken = parse.GetValue(tokenFile) is { } file
                    ? File.ReadAllText(file).Trim()
                    : Environment.GetEnvironmentVariable("DAPR_API_TOKEN") is { Length: > 0 } token ? token : null,
                SatcarCaFile = parse.GetValue(caFile),
                SatcarTlsSkipVerify = parse.GetValue(skipVerify),
                ConnectTimeout = TimeSpan.FromMilliseconds(parse.GetValue(connectTimeout)),
            };
            var level = ParseLevel(parse.GetValue(logLevel)!)!.Value;

            LinkHost link;
            try
            {
                link = await LinkHost.StartAsync(options, logging => logging
                    .SetMinimumLevel(level)
                    .AddFilter("Microsoft", level <= LogLevel.Debug ? level : LogLevel.Warning)
                    .AddFilter("Yarp", level <= LogLevel.Debug ? level : LogLevel.Warning)
                    .AddSimpleConsole(o =>
                    {
                        o.SingleLine = true;
                        o.TimestampFormat = "HH:mm:ss.fff ";
                    }), cancellationToken);
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"satcar link: {e.Message.Split(" (Parameter", 2)[0]}");
                return ExitCodes.Failure;
            }
            catch (IOException e)
            {
                var ports = options.GrpcPort is { } g ? $"{options.HttpPort} and {g}" : $"{options.HttpPort}";
                Console.Error.WriteLine($"satcar link: cannot listen on {options.ListenAddress} port {ports}: {e.Message}");
                return ExitCodes.Failure;
            }

            await using (link)
            {
                var grpc = link.GrpcAddress is { } g ? $", gRPC {g} (as gRPC-Web over HTTP/1.1)" : "";
                Console.WriteLine($"satcar link: {link.Address}{grpc} -> {options.SatcarUrl}{(options.ApiToken is null ? "" : " (adding the API token)")}");
                await link.WaitForShutdownAsync(CancellationToken.None);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static int? EnvironmentPort(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var port) ? port : null;

    private static LogLevel? ParseLevel(string text) => text.ToLowerInvariant() switch
    {
        "debug" => LogLevel.Debug,
        "info" => LogLevel.Information,
        "warn" or "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        _ => null,
    };
}
