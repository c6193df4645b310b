namespace Satcar.Cli;

/// <summary>The exit codes of every verb.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The command ran and failed: invalid resources, a component that would not start, a failed run.</summary>
    public const int Failure = 1;

    /// <summary>The command line itself is wrong: an unknown flag or a bad value.</summary>
    public const int Usage = 2;
}
