using System.Globalization;

namespace Satcar.Up.Processes;

/// <summary>One line of <c>/proc/PID/stat</c>: enough to build the process tree and to tell a PID's reuse from the original.</summary>
internal readonly record struct ProcStat(int Pid, string Command, char State, int ParentPid, long StartTime)
{
    /// <summary>A zombie (Z) or dead (X) process has exited; it only waits for its parent to collect it.</summary>
    public bool HasExited => State is 'Z' or 'X';
}

/// <summary>Reads the process table from <c>/proc</c>, the only place Linux keeps parent links.</summary>
internal static class ProcFs
{
    /// <summary>The stat of <paramref name="pid"/>, or null when there is no such process.</summary>
    public static ProcStat? Read(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        return Parse(pid, text);
    }

    /// <summary>Every process on the machine, as far as it can be read.</summary>
    public static IReadOnlyList<ProcStat> All()
    {
        var result = new List<ProcStat>();
        IEnumerable<string> entries;
        try
        {
            entries = Directory.EnumerateDirectories("/proc");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return result;
        }

        foreach (var entry in entries)
        {
            if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Read(pid) is { } stat)
            {
                result.Add(stat);
            }
        }

        return result;
    }

    /// <summary>Every descendant of <paramref name="root"/> in <paramref name="table"/>, children before grandchildren.</summary>
    public static IReadOnlyList<ProcStat> Descendants(int root, IReadOnlyList<ProcStat> table)
    {
        var children = table.ToLookup(p => p.ParentPid);
        var result = new List<ProcStat>();
        var queue = new Queue<int>([root]);
        var seen = new HashSet<int> { root };
        while (queue.Count > 0)
        {
            foreach (var child in children[queue.Dequeue()])
            {
                if (seen.Add(child.Pid))
                {
                    result.Add(child);
                    queue.Enqueue(child.Pid);
                }
            }
        }

        return result;
    }

    /// <summary>True while the process that had <paramref name="startTime"/> still runs (a reused PID does not count).</summary>
    public static bool IsRunning(int pid, long startTime) =>
        Read(pid) is { } stat && stat.StartTime == startTime && !stat.HasExited;

    // "pid (comm) state ppid pgrp ... starttime ...": comm may hold spaces and parentheses, so fields
    // are counted from the last ')'. starttime is field 22 of proc(5), index 19 after the ')'.
    private static ProcStat? Parse(int pid, string text)
    {
        var open = text.IndexOf('(', StringComparison.Ordinal);
        var close = text.LastIndexOf(')');
        if (open < 0 || close < open)
        {
            return null;
        }

        var fields = text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 20
            || !int.TryParse(fields[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parent)
            || !long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var start))
        {
            return null;
        }

        return new ProcStat(pid, text[(open + 1)..close], fields[0][0], parent, start);
    }
}
