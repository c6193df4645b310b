namespace Satcar.Up.Output;

/// <summary>
/// The one console writer of a run: each process's lines under its name (in colour when stdout is a
/// terminal and NO_COLOR is unset), and satcar up's own messages. Lines from different processes never
/// interleave mid-line.
/// </summary>
internal sealed class PrefixedOutput
{
    private const string Reset = "\u001b[0m";
    private const string Bold = "\u001b[1m";
    private const string Red = "\u001b[31m";

    // Readable on dark and light terminals alike; red stays reserved for failures.
    private static readonly string[] Colours =
    [
        "\u001b[36m", "\u001b[35m", "\u001b[33m", "\u001b[32m", "\u001b[34m",
        "\u001b[96m", "\u001b[95m", "\u001b[93m", "\u001b[92m", "\u001b[94m",
    ];

    private readonly Lock _lock = new();
    private readonly TextWriter _out;
    private readonly TextWriter _error;
    private readonly bool _colour;
    private int _width;

    public PrefixedOutput(TextWriter output, TextWriter error, bool colour)
    {
        _out = output;
        _error = error;
        _colour = colour;
    }

    /// <summary>The console, coloured when stdout is a terminal and neither NO_COLOR nor TERM=dumb says otherwise.</summary>
    public static PrefixedOutput ForConsole() => new(Console.Out, Console.Error,
        !Console.IsOutputRedirected
        && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
        && Environment.GetEnvironmentVariable("TERM") != "dumb");

    /// <summary>Pads every process name to the longest one, so the output lines up.</summary>
    public void SetNameWidth(int width) => _width = width;

    /// <summary>A process's output line.</summary>
    public void Line(string name, int colourIndex, string text)
    {
        var prefix = name.PadRight(_width);
        lock (_lock)
        {
            if (_colour)
            {
                _out.WriteLine($"{Colours[colourIndex % Colours.Length]}{prefix} |{Reset} {text}");
            }
            else
            {
                _out.WriteLine($"{prefix} | {text}");
            }
        }
    }

    /// <summary>A message of satcar up itself.</summary>
    public void Info(string text)
    {
        lock (_lock)
        {
            _out.WriteLine(_colour ? $"{Bold}satcar up:{Reset} {text}" : $"satcar up: {text}");
        }
    }

    /// <summary>A failure, on stdout with the rest of the story; with <paramref name="alsoToError"/> on stderr too, for whoever only reads that.</summary>
    public void Failure(string text, IReadOnlyList<string> details, bool alsoToError = false)
    {
        lock (_lock)
        {
            _out.WriteLine(_colour ? $"{Bold}{Red}satcar up: {text}{Reset}" : $"satcar up: {text}");
            foreach (var detail in details)
            {
                _out.WriteLine($"    {detail}");
            }

            _out.Flush();
            if (alsoToError && !ReferenceEquals(_out, _error))
            {
                _error.WriteLine($"satcar up: {text}");
                _error.Flush();
            }
        }
    }

    /// <summary>Problems that stop a run before anything starts (an invalid topology file): on stderr.</summary>
    public void Problems(IEnumerable<string> problems)
    {
        lock (_lock)
        {
            foreach (var problem in problems)
            {
                _error.WriteLine($"satcar up: {problem}");
            }
        }
    }
}
