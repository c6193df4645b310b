namespace Satcar.Cli;

/// <summary>
/// daprd accepts single-dash long flags (<c>-app-id</c>, <c>-config</c>), which docker-compose samples
/// use, by rewriting <c>-x</c> to <c>--x</c> before parsing; satcar does the same. <c>satcar bench</c>
/// is left alone: it takes Apache Bench's single-letter options, which may be bundled (<c>-kq</c>) or
/// carry their value (<c>-n100</c>).
/// </summary>
internal static class DaprFlags
{
    public static string[] Normalize(string[] args) =>
        args is ["bench", ..]
            ? args
            : [.. args.Select(arg => arg.Length > 2 && arg[0] == '-' && char.IsAsciiLetterLower(arg[1]) ? "-" + arg : arg)];
}
