namespace Satcar.Up.Topology;

/// <summary>One problem in a topology file, naming the field it is about, such as <c>apps[1].satcar.httpPort</c>.</summary>
internal sealed record TopologyProblem(string File, int? Line, string Field, string Message)
{
    public override string ToString() => Line is { } line
        ? $"{File}:{line}: {Field}: {Message}"
        : $"{File}: {Field}: {Message}";
}
