using System.Globalization;
using System.Text;

namespace Satcar.Up.Processes;

/// <summary>A process satcar up started or found below one it started, identified by PID and start time.</summary>
internal sealed record TrackedProcess(int Pid, long StartTime, string Name)
{
    public bool IsRunning => ProcFs.IsRunning(Pid, StartTime);
}

/// <summary>
/// Every process satcar up is responsible for: the ones it started and all their descendants, found
/// through <c>/proc</c> (satcar up is their child subreaper, so orphans stay below it). Optionally
/// kept in a PID file, one <c>PID START-TIME NAME</c> line each, rewritten whole on every change.
/// </summary>
internal sealed class ProcessRegistry(string? pidFile)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<int, TrackedProcess> _known = [];
    private readonly List<TrackedProcess> _ordered = [];

    /// <summary>Every process ever tracked, in the order it was found.</summary>
    public IReadOnlyList<TrackedProcess> All
    {
        get
        {
            lock (_lock)
            {
                return [.. _ordered];
            }
        }
    }

    /// <summary>Writes the (empty) PID file, so a reader can tell "nothing started yet" from "no PID file".</summary>
    public void Initialize() => Save();

    /// <summary>Records a process satcar up just started.</summary>
    public TrackedProcess Add(int pid, string name)
    {
        var tracked = new TrackedProcess(pid, ProcFs.Read(pid)?.StartTime ?? 0, name);
        lock (_lock)
        {
            AddLocked(tracked);
        }

        Save();
        return tracked;
    }

    /// <summary>Finds descendants not seen before and names them after the tracked process they run under.</summary>
    public void Scan()
    {
        var table = ProcFs.All();
        var changed = false;
        lock (_lock)
        {
            var byPid = table.ToDictionary(p => p.Pid);
            foreach (var process in ProcFs.Descendants(Environment.ProcessId, table))
            {
                if (process.HasExited || (_known.TryGetValue(process.Pid, out var known) && known.StartTime == process.StartTime))
                {
                    continue;
                }

                AddLocked(new TrackedProcess(process.Pid, process.StartTime, $"{OwnerName(process, byPid)}: {process.Command}"));
                changed = true;
            }
        }

        if (changed)
        {
            Save();
        }
    }

    /// <summary>The running processes among <paramref name="roots"/> and their descendants, children last.</summary>
    public IReadOnlyList<TrackedProcess> TreesOf(IEnumerable<TrackedProcess> roots)
    {
        Scan();
        var table = ProcFs.All();
        var result = new List<TrackedProcess>();
        lock (_lock)
        {
            foreach (var root in roots)
            {
                if (root.IsRunning)
                {
                    result.Add(root);
                }

                foreach (var descendant in ProcFs.Descendants(root.Pid, table).Where(p => !p.HasExited))
                {
                    if (_known.TryGetValue(descendant.Pid, out var known) && known.StartTime == descendant.StartTime)
                    {
                        result.Add(known);
                    }
                }
            }
        }

        return result;
    }

    /// <summary>Whatever still runs below satcar up: processes that outlived the tree they came from.</summary>
    public IReadOnlyList<TrackedProcess> Leftovers()
    {
        Scan();
        lock (_lock)
        {
            var table = ProcFs.All();
            return [.. ProcFs.Descendants(Environment.ProcessId, table)
                .Where(p => !p.HasExited && _known.TryGetValue(p.Pid, out var known) && known.StartTime == p.StartTime)
                .Select(p => _known[p.Pid])];
        }
    }

    private void AddLocked(TrackedProcess tracked)
    {
        // A scan may have found a just-started process before Add named it: the name from Add wins.
        if (_known.TryGetValue(tracked.Pid, out var earlier) && earlier.StartTime == tracked.StartTime)
        {
            _ordered[_ordered.IndexOf(earlier)] = tracked;
        }
        else
        {
            _ordered.Add(tracked);
        }

        _known[tracked.Pid] = tracked;
    }

    // The nearest tracked ancestor names a descendant: "orderstore: dotnet", "orderstore/build: VBCSCompiler".
    private string OwnerName(ProcStat process, Dictionary<int, ProcStat> table)
    {
        var parent = process.ParentPid;
        for (var depth = 0; depth < 64 && parent > 1; depth++)
        {
            if (_known.TryGetValue(parent, out var owner) && table.TryGetValue(parent, out var stat) && stat.StartTime == owner.StartTime)
            {
                return owner.Name.Split(':')[0];
            }

            if (!table.TryGetValue(parent, out var next))
            {
                break;
            }

            parent = next.ParentPid;
        }

        return "orphan";
    }

    private void Save()
    {
        if (pidFile is null)
        {
            return;
        }

        lock (_lock)
        {
            var text = new StringBuilder();
            foreach (var process in _ordered)
            {
                text.Append(process.Pid.ToString(CultureInfo.InvariantCulture)).Append(' ')
                    .Append(process.StartTime.ToString(CultureInfo.InvariantCulture)).Append(' ')
                    .Append(process.Name).Append('\n');
            }

            // Written aside and moved over, so a reader never sees half a file.
            var temporary = $"{pidFile}.{Environment.ProcessId}.tmp";
            File.WriteAllText(temporary, text.ToString());
            File.Move(temporary, pidFile, overwrite: true);
        }
    }
}
