using System.CommandLine;
using System.CommandLine.Parsing;
using Satcar.Bench.Compare;
using Satcar.Bench.Measurement;
using Satcar.Bench.Output;
using Satcar.Bench.Plots;
using Satcar.Bench.Statistics;

namespace Satcar.Cli.Commands;

/// <summary>
/// <c>satcar bench</c>: the seed's Apache Bench latency study as a tool. It takes ab's options (<c>-n -c -k -t -s -m -p
/// -T -H -g -e -q</c>, with the value as a separate argument) and reports ab's figures at microsecond resolution, writes
/// ab's <c>-g</c> and <c>-e</c> files, the seed's plots, interleaved comparisons of several targets and open-loop runs
/// at a fixed rate. Exit code 0 when every request got a response, 1 when any failed, 2 for a bad command line.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var flags = new BenchFlags();
        var command = new Command("bench", "Measure HTTP latency like Apache Bench (ab), at microsecond resolution, with plots and interleaved comparisons.");
        command.Arguments.Add(flags.Url);
        foreach (var option in flags.All)
        {
            command.Options.Add(option);
        }

        command.Validators.Add(flags.Validate);
        command.SetAction((parse, cancellationToken) => RunAsync(flags.ToSettings(parse), cancellationToken));
        return command;
    }

    // Socket settings for the async engine (the epoll engine does not use .NET's socket loop):
    // - inline completions: the measuring client parses a response and writes the next request on the thread that saw
    //   the bytes arrive, as ab's single loop does; safe here because the measuring code never blocks;
    // - one polling thread, like ab's single loop, so that with inline completions one thread runs the whole client.
    //   The runtime's default (one per core) spread the connections over two threads on the 2-vCPU machine, which took
    //   measurably more context switches per request from the cores the server needs (perf stat against the bench
    //   target: 0.96 against 0.48 at -k -c 4, 3.2 against 2.1 without keep-alive).

    private static async Task<int> RunAsync(BenchSettings settings, CancellationToken cancellationToken)
    {
        SocketEnvironment.Default(SocketEnvironment.InlineCompletions, "1");
        SocketEnvironment.Default(SocketEnvironment.PollingThreads, "1");

        var interactive = !settings.Json && !Console.IsOutputRedirected;
        if (settings.Compare.Count > 0)
        {
            return await CompareAsync(settings, interactive, cancellationToken);
        }

        var summary = await ProgressDisplay.RunAsync(interactive, settings.Quiet, async track =>
        {
            var progress = new RunProgress(settings.Load.Requests, settings.Load.TimeLimit);
            track(settings.Template.Url.ToString(), progress);
            var run = await LoadRunner.RunAsync(settings.Template, settings.Load, progress, cancellationToken);
            return RunSummary.From(run);
        });

        if (settings.Json)
        {
            Console.WriteLine(JsonReport.Serialize(summary, settings.Template.Method.Method));
        }
        else
        {
            TextReport.Write(Console.Out, summary);
        }

        var written = WriteFiles(settings, () =>
        {
            if (settings.GnuplotFile is { } gnuplot)
            {
                GnuplotWriter.Write(gnuplot, summary.Run);
            }

            if (settings.CsvFile is { } csv)
            {
                PercentileCsvWriter.Write(csv, summary.TotalSortedMs);
            }

            if (settings.PlotDirectory is not null || settings.PlotPrefix is not null)
            {
                var (boxplot, timeline) = LatencyPlots.PathsFor(settings.PlotDirectory, settings.PlotPrefix);
                LatencyPlots.WriteBoxplot(boxplot, summary);
                LatencyPlots.WriteTimeline(timeline, summary);
                Console.Error.WriteLine($"satcar bench: wrote {boxplot} and {timeline}");
            }
        });

        return !written || summary.Failed > 0 || summary.Completed == 0 ? ExitCodes.Failure : ExitCodes.Ok;
    }

    private static async Task<int> CompareAsync(BenchSettings settings, bool interactive, CancellationToken cancellationToken)
    {
        var random = settings.Seed is { } seed ? new Random(seed) : new Random();
        var result = await ProgressDisplay.RunAsync(interactive, settings.Quiet, track =>
            CompareRunner.RunAsync(
                settings.Compare,
                settings.Baseline,
                settings.Rounds,
                settings.Template,
                settings.Load,
                random,
                (round, name, progress) => track($"round {round}/{settings.Rounds} {name}", progress),
                cancellationToken));

        if (settings.Json)
        {
            Console.WriteLine(JsonReport.Serialize(result, settings.Template.Method.Method));
        }
        else
        {
            TextReport.WriteCompare(Console.Out, result);
        }

        var written = WriteFiles(settings, () =>
        {
            foreach (var target in settings.Compare)
            {
                var runs = result.Rounds.Where(r => r.Results.ContainsKey(target.Name)).Select(r => r.Results[target.Name]).ToList();
                if (settings.GnuplotFile is { } gnuplot)
                {
                    using var writer = new StreamWriter(PerTarget(gnuplot, target.Name));
                    GnuplotWriter.Write(writer, runs.Select(s => s.Run));
                }

                if (settings.CsvFile is { } csv)
                {
                    var pooled = runs.SelectMany(s => s.TotalSortedMs).Order().ToArray();
                    PercentileCsvWriter.Write(PerTarget(csv, target.Name), pooled);
                }
            }

            if (settings.PlotDirectory is not null || settings.PlotPrefix is not null)
            {
                var path = settings.PlotDirectory is { } directory ? Path.Combine(directory, "compare-boxplot.png") : $"{settings.PlotPrefix}-compare-boxplot.png";
                LatencyPlots.WriteCompareBoxplot(path, result);
                Console.Error.WriteLine($"satcar bench: wrote {path}");
            }
        });

        return !written || result.AnyFailed ? ExitCodes.Failure : ExitCodes.Ok;
    }

    // res.tsv with target "direct" becomes res-direct.tsv: one file per target, every round in it.
    private static string PerTarget(string path, string name) =>
        Path.Combine(Path.GetDirectoryName(path) ?? "", $"{Path.GetFileNameWithoutExtension(path)}-{name}{Path.GetExtension(path)}");

    private static bool WriteFiles(BenchSettings settings, Action write)
    {
        try
        {
            if (settings.PlotDirectory is { } directory)
            {
                Directory.CreateDirectory(directory);
            }

            write();
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"satcar bench: cannot write the output files: {e.Message}");
            return false;
        }
    }

    /// <summary>The command line, checked and turned into what the run needs.</summary>
    private sealed record BenchSettings(
        RequestTemplate Template,
        LoadSettings Load,
        IReadOnlyList<CompareTarget> Compare,
        string Baseline,
        int Rounds,
        int? Seed,
        string? GnuplotFile,
        string? CsvFile,
        string? PlotDirectory,
        string? PlotPrefix,
        bool Json,
        bool Quiet);

    /// <summary>The flags of <c>satcar bench</c>: ab's letters, each with a long name.</summary>
    private sealed class BenchFlags
    {
        public readonly Argument<string?> Url = new("url") { Description = "The URL to measure, as for ab (http or https).", Arity = ArgumentArity.ZeroOrOne };
        public readonly Option<int?> Requests = new("--requests", "-n") { Description = "Number of requests (default 1; 50000 with -t, as ab)." };
        public readonly Option<int?> Concurrency = new("--concurrency", "-c") { Description = "Requests in flight at once, each on its own connection (default 1)." };
        public readonly Option<bool> KeepAlive = new("--keep-alive", "-k") { Description = "Reuse connections (ab -k); without it every request opens a new one." };
        public readonly Option<double?> TimeLimit = new("--time-limit", "-t") { Description = "Stop after this many seconds (implies -n 50000 unless -n is given)." };
        public readonly Option<double?> Timeout = new("--timeout", "-s") { Description = "Seconds a request may take before it fails as a timeout (default 30)." };
        public readonly Option<string?> Method = new("--method", "-m") { Description = "HTTP method (default GET, or POST with -p)." };
        public readonly Option<string?> BodyFile = new("--post-file", "-p") { Description = "File with the request body; the method becomes POST unless -m is given." };
        public readonly Option<string?> ContentType = new("--content-type", "-T") { Description = "Content-Type of the body (default text/plain, as ab)." };
        public readonly Option<string[]> Headers = new("--header", "-H") { Description = "An extra header, 'Name: value'; repeatable." };
        public readonly Option<string?> Gnuplot = new("--gnuplot", "-g") { Description = "Write ab's gnuplot file (tab-separated, in time order, fractional ms)." };
        public readonly Option<string?> Csv = new("--csv", "-e") { Description = "Write ab's percentile CSV (0-100, ms)." };
        public readonly Option<bool> Quiet = new("--quiet", "-q") { Description = "No progress output." };
        public readonly Option<bool> Json = new("--json") { Description = "Print every figure (and every request) as JSON instead of the report." };
        public readonly Option<string?> Plot = new("--plot") { Description = "Write the plots as PNG into this folder (boxplot.png, timeline.png)." };
        public readonly Option<string?> PlotPrefix = new("--plot-prefix") { Description = "Write the plots as PREFIX-boxplot.png and PREFIX-timeline.png." };
        public readonly Option<string[]> Compare = new("--compare") { Description = "NAME=URL of a target to compare; repeat for each (the first is the baseline)." };
        public readonly Option<string?> Baseline = new("--baseline") { Description = "The --compare target the others are compared with." };
        public readonly Option<int?> Rounds = new("--rounds") { Description = "Interleaved rounds for --compare (default 5)." };
        public readonly Option<int?> Seed = new("--seed") { Description = "Seed for the order of targets in each round (reproducible runs)." };
        public readonly Option<double?> Rate = new("--rate") { Description = "Open loop: send this many requests per second, latency from the scheduled time; needs -n or -t." };
        public readonly Option<int?> Warmup = new("--warmup") { Description = "Requests sent to each target before measuring, not recorded (default 0)." };
        public readonly Option<bool> Insecure = new("--insecure") { Description = "Accept any TLS certificate (ab never checks them)." };

        public IEnumerable<Option> All =>
        [
            Requests, Concurrency, KeepAlive, TimeLimit, Timeout, Method, BodyFile, ContentType, Headers, Gnuplot, Csv, Quiet, Json,
            Plot, PlotPrefix, Compare, Baseline, Rounds, Seed, Rate, Warmup, Insecure,
        ];

        /// <summary>Every problem of the command line at once, each naming its flag.</summary>
        public void Validate(CommandResult result)
        {
            var url = Get(result, Url);
            var compare = Get(result, Compare) ?? [];
            if (url is null && compare.Length == 0)
            {
                result.AddError("give the URL to measure, or --compare NAME=URL for each target");
            }
            else if (url is not null && compare.Length > 0)
            {
                result.AddError("give either a URL or --compare targets, not both");
            }
            else if (url is not null && !BenchUrl.TryParse(url, out _, out var urlError))
            {
                result.AddError($"URL: {urlError}");
            }

            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var entry in compare)
            {
                if (!CompareTarget.TryParse(entry, out var target, out var error))
                {
                    result.AddError($"--compare {error}");
                }
                else if (!names.Add(target!.Name))
                {
                    result.AddError($"--compare names must be unique; '{target.Name}' is given twice");
                }
            }

            if (compare.Length == 1)
            {
                result.AddError("--compare needs at least two targets");
            }

            if (Get(result, Baseline) is { } baseline)
            {
                if (compare.Length == 0)
                {
                    result.AddError("--baseline is only used with --compare");
                }
                else if (names.Count > 0 && !names.Contains(baseline))
                {
                    result.AddError($"--baseline '{baseline}' is not one of the --compare names ({string.Join(", ", names)})");
                }
            }

            if (Get(result, Rounds) is < 1)
            {
                result.AddError("--rounds must be at least 1");
            }

            var requests = Get(result, Requests);
            var timeLimit = Get(result, TimeLimit);
            var rate = Get(result, Rate);
            var concurrency = Get(result, Concurrency) ?? 1;
            if (requests is < 1)
            {
                result.AddError($"-n (--requests) must be at least 1; got {requests}");
            }

            if (concurrency < 1)
            {
                result.AddError($"-c (--concurrency) must be at least 1; got {concurrency}");
            }
            else if (rate is null && requests is { } n and > 0 && concurrency > n)
            {
                result.AddError($"-c (--concurrency) cannot be greater than -n (--requests), as in ab; got -c {concurrency} -n {n}");
            }

            if (timeLimit is { } seconds && !(seconds > 0 && double.IsFinite(seconds)))
            {
                result.AddError($"-t (--time-limit) must be a positive number of seconds; got {seconds}");
            }

            if (Get(result, Timeout) is { } timeout && !(timeout > 0 && timeout <= int.MaxValue / 1000))
            {
                result.AddError($"-s (--timeout) must be a positive number of seconds; got {timeout}");
            }

            if (rate is { } perSecond)
            {
                if (!(perSecond > 0 && double.IsFinite(perSecond)))
                {
                    result.AddError($"--rate must be a positive number of requests per second; got {perSecond}");
                }
                else if (requests is null && timeLimit is null)
                {
                    result.AddError("--rate needs -n (--requests) or -t (--time-limit) to bound the run");
                }
            }

            if (Get(result, Warmup) is < 0)
            {
                result.AddError("--warmup may not be negative");
            }

            if (Get(result, Method) is { } method && !IsToken(method))
            {
                result.AddError($"-m (--method) must be an HTTP method such as GET, POST or PUT; got '{method}'");
            }

            if (Get(result, BodyFile) is { } body && !File.Exists(body))
            {
                result.AddError($"-p (--post-file): no such file '{body}'");
            }

            foreach (var header in Get(result, Headers) ?? [])
            {
                if (!RequestTemplate.TryParseHeader(header, out _))
                {
                    result.AddError($"-H (--header) must look like 'Name: value' on one line, and cannot set Content-Length or Transfer-Encoding (the body's length follows from -p); got '{header}'");
                }
            }

            CheckOutputFile(result, Gnuplot, "-g (--gnuplot)");
            CheckOutputFile(result, Csv, "-e (--csv)");
            CheckOutputFile(result, PlotPrefix, "--plot-prefix");
            if (Get(result, Plot) is not null && Get(result, PlotPrefix) is not null)
            {
                result.AddError("--plot and --plot-prefix cannot be combined; give one");
            }
        }

        public BenchSettings ToSettings(ParseResult parse)
        {
            var compare = (parse.GetValue(Compare) ?? [])
                .Select(entry => CompareTarget.TryParse(entry, out var target, out _) ? target! : throw new InvalidOperationException(entry))
                .ToList();
            var url = parse.GetValue(Url) is { } text && BenchUrl.TryParse(text, out var parsed, out _) ? parsed! : compare[0].Url;
            var bodyFile = parse.GetValue(BodyFile);
            var body = bodyFile is null ? null : File.ReadAllBytes(bodyFile);
            var method = parse.GetValue(Method) is { } m ? new HttpMethod(m.ToUpperInvariant()) : body is null ? HttpMethod.Get : HttpMethod.Post;
            var headers = (parse.GetValue(Headers) ?? [])
                .Select(h => RequestTemplate.TryParseHeader(h, out var header) ? header : default)
                .ToList();
            var timeLimit = parse.GetValue(TimeLimit) is { } seconds ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
            var rate = parse.GetValue(Rate);
            var load = new LoadSettings
            {
                Requests = LoadSettings.EffectiveRequests(parse.GetValue(Requests), timeLimit, rate),
                Concurrency = parse.GetValue(Concurrency) ?? 1,
                KeepAlive = parse.GetValue(KeepAlive),
                TimeLimit = timeLimit,
                Timeout = TimeSpan.FromSeconds(parse.GetValue(Timeout) ?? 30),
                Rate = rate,
                Warmup = parse.GetValue(Warmup) ?? 0,
                Insecure = parse.GetValue(Insecure),
            };
            return new BenchSettings(
                new RequestTemplate(url, method, body, parse.GetValue(ContentType) ?? "text/plain", headers),
                load,
                compare,
                parse.GetValue(Baseline) ?? (compare.Count > 0 ? compare[0].Name : ""),
                parse.GetValue(Rounds) ?? 5,
                parse.GetValue(Seed),
                parse.GetValue(Gnuplot),
                parse.GetValue(Csv),
                parse.GetValue(Plot),
                parse.GetValue(PlotPrefix),
                parse.GetValue(Json),
                parse.GetValue(Quiet));
        }

        // A value that does not convert (-n abc) throws here; the parser reports it with the flag's name itself.
        private static T? Get<T>(CommandResult result, Option<T> option)
        {
            try
            {
                return result.GetValue(option);
            }
            catch (InvalidOperationException)
            {
                return default;
            }
        }

        private static T? Get<T>(CommandResult result, Argument<T> argument)
        {
            try
            {
                return result.GetValue(argument);
            }
            catch (InvalidOperationException)
            {
                return default;
            }
        }

        private static void CheckOutputFile(CommandResult result, Option<string?> option, string label)
        {
            if (Get(result, option) is not { } path)
            {
                return;
            }

            var directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (directory is not null && !Directory.Exists(directory))
            {
                result.AddError($"{label}: the folder '{directory}' does not exist");
            }
        }

        private static bool IsToken(string text) =>
            text.Length > 0 && text.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal));
    }
}
