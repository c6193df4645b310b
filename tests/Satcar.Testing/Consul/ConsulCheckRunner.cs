using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Satcar.Testing.Consul;

/// <summary>
/// The agent's check machinery: runs HTTP and TCP checks at their interval (the first run at once,
/// where Consul staggers it randomly within the interval, so tests need not wait), expires TTLs and
/// reaps services, all through <see cref="ConsulCatalog.Tick"/>.
/// </summary>
internal sealed class ConsulCheckRunner : IAsyncDisposable
{
    private const int MaxOutput = 4096;
    private static readonly TimeSpan s_defaultTimeout = TimeSpan.FromSeconds(10);

    private readonly ConsulCatalog _catalog;
    private readonly TimeProvider _time;
    private readonly TimeSpan _tick;
    private readonly CancellationTokenSource _stop = new();
    private readonly HttpClient _verifying;
    private readonly HttpClient _skipping;
    private readonly Task _loop;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Task, bool> _probes = new();

    public ConsulCheckRunner(ConsulCatalog catalog, TimeProvider time, TimeSpan tick)
    {
        _catalog = catalog;
        _time = time;
        _tick = tick;
        _verifying = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }) { Timeout = Timeout.InfiniteTimeSpan };
#pragma warning disable CA5359 // A check's TLSSkipVerify asks for exactly this.
        _skipping = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        })
        { Timeout = Timeout.InfiniteTimeSpan };
#pragma warning restore CA5359
        _loop = Task.Run(RunAsync);
    }

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            foreach (var probe in _catalog.Tick())
            {
                var task = ProbeAsync(probe);
                _probes[task] = true;
                _ = task.ContinueWith(t => _probes.TryRemove(t, out _), TaskScheduler.Default);
            }

            try
            {
                await Task.Delay(_tick, _time, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ProbeAsync(ConsulCatalog.DueProbe probe)
    {
        var definition = probe.Definition;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(definition.Timeout ?? s_defaultTimeout);
        string status;
        string output;
        try
        {
            (status, output) = definition.Http is { } url
                ? await ProbeHttpAsync(url, definition, timeout.Token)
                : await ProbeTcpAsync(definition.Tcp!, timeout.Token);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            return;
        }
        catch (OperationCanceledException)
        {
            (status, output) = (ConsulHealth.Critical, $"{Describe(definition)}: timed out after {(definition.Timeout ?? s_defaultTimeout).TotalSeconds}s");
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or IOException or InvalidOperationException or UriFormatException)
        {
            (status, output) = (ConsulHealth.Critical, $"{Describe(definition)}: {e.Message}");
        }

        _catalog.ReportProbe(probe.Node, probe.CheckId, probe.Version, status, output);
    }

    private async Task<(string, string)> ProbeHttpAsync(string url, CheckDefinition definition, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(new HttpMethod(definition.Method), url);
        foreach (var (name, values) in definition.Header)
        {
            request.Headers.TryAddWithoutValidation(name, values);
        }

        if (definition.Body is { Length: > 0 } body)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
        }

        var client = definition.TlsSkipVerify ? _skipping : _verifying;
        using var response = await client.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (text.Length > MaxOutput)
        {
            text = text[..MaxOutput];
        }

        var code = (int)response.StatusCode;
        var status = code is >= 200 and < 300 ? ConsulHealth.Passing
            : response.StatusCode == HttpStatusCode.TooManyRequests ? ConsulHealth.Warning
            : ConsulHealth.Critical;
        return (status, $"HTTP {definition.Method} {url}: {code} {response.ReasonPhrase} Output: {text}");
    }

    private static async Task<(string, string)> ProbeTcpAsync(string address, CancellationToken cancellationToken)
    {
        var colon = address.LastIndexOf(':');
        using var client = new TcpClient();
        await client.ConnectAsync(address[..colon].Trim('[', ']'), int.Parse(address[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
        return (ConsulHealth.Passing, $"TCP connect {address}: Success");
    }

    private static string Describe(CheckDefinition definition) =>
        definition.Http is { } url ? $"HTTP {definition.Method} {url}" : $"TCP connect {definition.Tcp}";

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        await Task.WhenAll(_probes.Keys);
        _verifying.Dispose();
        _skipping.Dispose();
        _stop.Dispose();
    }
}
