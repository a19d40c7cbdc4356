using System;
using System.Runtime.CompilerServices;
using System.Threading;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Rules;

namespace NpmHardening.Loading
{
    /// <summary>
    /// Builds the engine's two embedded catalogs (every npm config definition of every sampled npm release, and
    /// every posture rule) on a thread-pool thread while PowerShell finishes importing the module (cmdlet table,
    /// format and type files), so the first cmdlet of a fresh process finds them ready instead of parsing about
    /// 150 KB of JSON first. Intune and DSC start a fresh process for every run. The catalogs are pure: built from
    /// resources inside the engine, no file, environment or network is read. Both are <c>Lazy</c> with
    /// ExecutionAndPublication, so a cmdlet that needs one before it is ready waits for it instead of building it
    /// twice, and a failure is reported by that cmdlet exactly as without the warm-up.
    /// </summary>
    internal static class EngineWarmUp
    {
        private static int s_started;

        /// <summary>Starts the warm-up once per process. Called by the module initializer after the dependency
        /// resolver is in place (not inlined into it: this method's code names engine types).</summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        public static void Start()
        {
            if (Interlocked.Exchange(ref s_started, 1) != 0) return;
            try
            {
                // Load the engine here, on the importing thread, so two threads never race to load it.
                GC.KeepAlive(typeof(NpmConfigCatalog).Assembly);
                ThreadPool.QueueUserWorkItem(_ => Build());
            }
            catch (Exception)
            {
                // No warm-up; the first cmdlet builds the catalogs (and reports whatever went wrong).
            }
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void Build()
        {
            try
            {
                GC.KeepAlive(NpmConfigCatalog.Default);
                GC.KeepAlive(RuleCatalog.Default);
            }
            catch (Exception)
            {
                // Lazy keeps the exception: the first cmdlet that needs the catalog reports it.
            }
        }
    }
}
