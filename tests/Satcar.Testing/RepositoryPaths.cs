namespace Satcar.Testing;

/// <summary>Where the repository and the built satcar are, found from the test assembly's folder.</summary>
public static class RepositoryPaths
{
    private static readonly Lazy<string> s_root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Satcar.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Satcar.slnx above {AppContext.BaseDirectory}");
    });

    /// <summary>The repository root (the folder holding Satcar.slnx).</summary>
    public static string Root => s_root.Value;

    /// <summary>satcar.dll as copied next to the test assembly by the project reference to Satcar.Cli.</summary>
    public static string SatcarDll
    {
        get
        {
            var path = Path.Combine(AppContext.BaseDirectory, "satcar.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException("satcar.dll is not next to the tests; reference Satcar.Cli", path);
        }
    }
}
