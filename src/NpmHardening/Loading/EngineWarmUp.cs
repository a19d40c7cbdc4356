using System;
using System.Runtime.CompilerServices;
using System.Threading;
using NpmHardening.Engine;

namespace NpmHardening.Loading
{
    /// <summary>
    /// Runs the engine's <see cref="Warmup.Prepare"/> (its catalogs, about 150 KB of embedded JSON, and the regular
    /// expressions its types hold) on a background thread of its own while PowerShell finishes importing the module
    /// (cmdlet table, type data), so the first cmdlet of a fresh process finds them built. Intune and DSC start
    /// a fresh process for every run. Nothing is read from disk or the environment; a cmdlet that needs something
    /// before it is ready waits for it, and a failure is reported by that cmdlet exactly as without the warm-up.
    /// </summary>
    internal static class EngineWarmUp
    {
        private static int s_started;

        /// <summary>Starts the warm-up once per process. Called by the module initializer after the dependency
        /// resolver is in place.</summary>
        /// <remarks>This method names no engine type: the JIT would load the engine while compiling it, on the importing
        /// thread (1.5-3 ms of every import, issue 10 F). The engine loads on the warm-up thread instead, when
        /// <see cref="Prepare"/> is compiled, or on whichever thread first runs a cmdlet if that comes first; two threads
        /// asking at once get the same assembly (the load context loads by path, and loading the same path into the same
        /// context twice returns the assembly already loaded).</remarks>
        [MethodImpl(MethodImplOptions.NoInlining)]
        public static void Start()
        {
            if (Interlocked.Exchange(ref s_started, 1) != 0) return;
            try
            {
                // A thread of its own, not the thread pool: after the module initializer, PowerShell binds the module's
                // (empty) type list through Parallel.ForEach, and the importing thread waits until a pool thread has
                // run the loop's second replica (2.3 ms of waiting in the tenth session's profile, while the warm-up
                // held a pool thread for its 60-130 ms). In 2 x 100 interleaved fresh processes
                // (Measure-ImportVariants -Mode Import) the import was 6.7 and 8.3 ms faster this way, with 10-15 ms
                // less CPU; the bench README has the runs. A background thread never keeps the process alive.
                // A method group, not a lambda: a lambda's closure class adds three methods to JIT-compile at every import
                // (this assembly is IL; ImportFootprint.Tests.ps1 counts them).
                new Thread(Prepare) { IsBackground = true, Name = "NpmHardening warm-up" }.Start();
            }
            catch (Exception)
            {
                // No warm-up: the first cmdlet builds what it needs.
            }
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void Prepare(object? state)
        {
            try { Warmup.Prepare(); }
            catch (Exception) { /* the first cmdlet that needs it reports it */ }
        }
    }
}
