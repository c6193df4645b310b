namespace Satcar.Runtime.Resources;

/// <summary>One problem found in a resource file: where it is and what is wrong.</summary>
/// <param name="File">The file, as given on the command line or found in a resources folder.</param>
/// <param name="Line">The 1-based line of the offending node, when known.</param>
/// <param name="Field">The dotted path of the field, such as <c>spec.type</c>, when the problem is about one field.</param>
/// <param name="Message">What is wrong, in words a user can act on.</param>
public sealed record ResourceProblem(string File, int? Line, string? Field, string Message)
{
    public override string ToString()
    {
        var where = Line is { } line ? $"{File}:{line}" : File;
        return Field is null ? $"{where}: {Message}" : $"{where}: {Field}: {Message}";
    }
}
