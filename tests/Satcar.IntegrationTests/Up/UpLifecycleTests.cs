using System.Diagnostics;
using Satcar.Testing;

namespace Satcar.IntegrationTests.Up;

/// <summary>
/// How satcar up ends: a process that dies, a command that does not exist, a process that never gets
/// healthy, SIGTERM, the end of <c>--for</c>. Whatever the end, no process it started may outlive it.
/// Small topologies (one app, its satcar, at most a link) built on the sample's OrderStore app.
/// </summary>
[Collection(UpCollection.Name)]
public sealed class UpLifecycleTests : IDisposable
{
    private static readonly TimeSpan Startup = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromMinutes(1);

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Topology(string app, bool appPort = true) => _dir.Write("satcar.yaml", $"""
        version: 1
        apps:
          - appID: orderstore
            appDirPath: {HelloSatcarSample.OrderStoreFolder}
        {(appPort ? "    appPort: ${STORE_PORT}" : "")}
        {app}
            satcar:
              address: 127.0.0.3
        """);

    private static Dictionary<string, string?> Environment() => new() { ["STORE_PORT"] = Ports.Free().ToString() };

    [Fact]
    public async Task An_app_killed_by_pid_is_reported_the_rest_is_stopped_and_the_exit_code_is_not_zero()
    {
        var topology = Topology($"""
                command: ["dotnet", "{HelloSatcarSample.OrderStoreDll}"]
            """);
        await using var up = UpProcess.Start(topology, Environment());
        await up.WaitForOutputAsync("all 3 processes are up", Startup);

        // The app logs from a background queue: only once its first line is out can the report show it.
        await up.WaitForLineAsync("orderstore", "Application started", Startup);
        var app = up.Started().Single(p => p.Name == "orderstore");
        Process.GetProcessById(app.Pid).Kill();

        Assert.Equal(1, await up.WaitForExitAsync(ExitTimeout));
        Assert.Contains("satcar up: orderstore was killed by SIGKILL (exit code 137)", up.Output, StringComparison.Ordinal);
        Assert.Contains("last lines of orderstore:", up.Output, StringComparison.Ordinal);
        Assert.Contains("satcar up: failed: orderstore was killed by SIGKILL", up.Output, StringComparison.Ordinal);
        Assert.Contains(up.Started(), p => p.Name == "orderstore/satcar");
        Assert.Contains(up.Started(), p => p.Name == "orderstore/link");
        up.AssertNothingLeftRunning();
    }

    [Fact]
    public async Task Sigterm_stops_every_process_with_the_children_of_dotnet_run_and_exits_zero()
    {
        var topology = Topology("""
                command: ["dotnet", "run", "--no-build", "-c", "Release", "--no-launch-profile"]
                link: false
            """);
        await using var up = UpProcess.Start(topology, Environment());
        await up.WaitForOutputAsync("all 2 processes are up", Startup);

        // dotnet run starts the app as its child; satcar up finds it through /proc and lists it.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!up.Started().Any(p => p.Name.StartsWith("orderstore: ", StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        var child = up.Started().FirstOrDefault(p => p.Name.StartsWith("orderstore: ", StringComparison.Ordinal));
        Assert.True(child is not null, $"no child of dotnet run in the PID file:\n{string.Join('\n', up.Started())}");
        Assert.True(child.IsRunning);

        Assert.Equal(0, await up.TerminateAsync(ExitTimeout));
        Assert.Contains("SIGTERM received; stopping", up.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("satcar up: failed", up.Output, StringComparison.Ordinal);
        up.AssertNothingLeftRunning();
    }

    [Fact]
    public async Task Descendants_whose_parent_does_not_pass_sigterm_on_are_stopped_by_pid_too()
    {
        // sh dies of SIGTERM without passing it to its children: only their own PIDs reach them.
        var topology = Topology("""
                command: ["sh", "-c", "sleep 600 & sleep 601 & wait"]
                link: false
            """, appPort: false);
        await using var up = UpProcess.Start(topology, Environment());
        await up.WaitForOutputAsync("all 2 processes are up", Startup);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (up.Started().Count(p => p.Name == "orderstore: sleep") < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.Equal(2, up.Started().Count(p => p.Name == "orderstore: sleep" && p.IsRunning));
        Assert.Equal(0, await up.TerminateAsync(ExitTimeout));
        up.AssertNothingLeftRunning();
    }

    [Fact]
    public async Task A_command_that_does_not_exist_is_reported_and_what_started_before_is_stopped()
    {
        var topology = Topology("""
                command: ["satcar-test-no-such-command", "--serve"]
                link: false
            """);
        await using var up = UpProcess.Start(topology, Environment());

        Assert.Equal(1, await up.WaitForExitAsync(Startup));
        Assert.Contains("satcar up: orderstore: cannot start 'satcar-test-no-such-command'", up.Output, StringComparison.Ordinal);
        Assert.Contains("No such file or directory (is it installed and on PATH?)", up.Output, StringComparison.Ordinal);
        Assert.Equal(["orderstore/satcar"], up.Started().Select(p => p.Name));
        up.AssertNothingLeftRunning();
    }

    [Fact]
    public async Task A_process_that_never_becomes_healthy_fails_the_run_after_its_start_timeout()
    {
        // sleep never listens on the app port.
        var topology = Topology("""
                command: ["sleep", "600"]
                startTimeout: 3s
                link: false
            """);
        await using var up = UpProcess.Start(topology, Environment());

        Assert.Equal(1, await up.WaitForExitAsync(Startup));
        Assert.Contains("satcar up: orderstore was not up within 3s (startTimeout)", up.Output, StringComparison.Ordinal);
        Assert.Contains(up.Started(), p => p.Name == "orderstore");
        up.AssertNothingLeftRunning();
    }

    [Fact]
    public async Task For_stops_everything_once_the_time_is_up_and_exits_zero()
    {
        // No command: satcar up runs only the app's satcar and link, as for an app started elsewhere.
        var topology = Topology("");
        await using var up = UpProcess.Start(topology, Environment(), "--for", "2s");

        Assert.Equal(0, await up.WaitForExitAsync(Startup));
        Assert.Contains("all 2 processes are up; running for 2s", up.Output, StringComparison.Ordinal);
        Assert.Contains("satcar up: 2s have passed", up.Output, StringComparison.Ordinal);
        Assert.Equal(["orderstore/satcar", "orderstore/link"], up.Started().Select(p => p.Name));
        up.AssertNothingLeftRunning();
    }
}
