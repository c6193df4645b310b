using System.Runtime.InteropServices;

namespace Satcar.Up.Processes;

/// <summary>The two libc calls satcar up needs that .NET does not offer: signals by PID, and the subreaper flag.</summary>
internal static partial class Native
{
    public const int SigTerm = 15;
    public const int SigKill = 9;

    private const int PrSetChildSubreaper = 36;

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; false when the process is gone or not ours.</summary>
    public static bool Signal(int pid, int signal) => OperatingSystem.IsLinux() && Kill(pid, signal) == 0;

    /// <summary>
    /// Makes this process the child subreaper of everything it starts (Linux 3.4+): a process whose parent
    /// exits first (the app under a <c>dotnet run</c> that was stopped) is re-parented to satcar up instead
    /// of init, so it stays among satcar up's descendants and is still found and stopped.
    /// </summary>
    public static bool BecomeChildSubreaper() =>
        OperatingSystem.IsLinux() && Prctl(PrSetChildSubreaper, 1, 0, 0, 0) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);
}
