using System.Runtime.InteropServices;

namespace Satcar.IntegrationTests.Deploy;

/// <summary>A test that runs the Bicep CLI, whose package holds a Linux x64 build only: skipped elsewhere.</summary>
public sealed class BicepFactAttribute : FactAttribute
{
    public BicepFactAttribute()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.OSArchitecture != Architecture.X64)
        {
            Skip = "the Bicep CLI package referenced by the tests is for Linux x64";
        }
    }
}
