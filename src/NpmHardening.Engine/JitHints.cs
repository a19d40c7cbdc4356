using System.Runtime.CompilerServices;

namespace NpmHardening.Engine
{
    /// <summary>
    /// MethodImplOptions.AggressiveOptimization (512), which netstandard2.0 does not name but .NET Core 3.0 and later
    /// honour; .NET Framework has no such flag and is expected to ignore the bit (netstandard2.0 libraries that run there
    /// set it the same way), though Windows PowerShell 5.1 was not run with it here: the method is compiled once, fully optimised, at its
    /// first call, instead of running its ReadyToRun code and then being compiled twice more in the background
    /// (instrumented, then with the profile) while it is hot. Used only on the few loops that a review spends most of
    /// its time in, where a fresh process measured faster with it (tests/NpmHardening.Benchmarks/README.md).
    /// </summary>
    internal static class JitHints
    {
        public const MethodImplOptions AggressiveOptimization = (MethodImplOptions)512;
    }
}
