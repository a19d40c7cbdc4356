using System;
using System.Collections.Concurrent;

namespace NpmHardening.Engine.Platform
{
    /// <summary>
    /// A thread-safe cache of what a user or group id resolves to, keyed by the boxed id.
    /// </summary>
    /// <remarks>
    /// A <c>ConcurrentDictionary&lt;uint, T&gt;</c> would do the same, but its code over a <c>uint</c> key exists in no
    /// ReadyToRun image (the framework's holds the instantiations the framework itself uses, and the engine's may not
    /// hold framework code), so every fresh PowerShell JIT-compiled a dozen of its methods on the first audit (issue 10
    /// F, tests/NpmHardening.Benchmarks/Measure-StartupWork.ps1). Over reference types it runs the framework's shared,
    /// precompiled code; a boxed <c>uint</c> compares and hashes as the number.
    /// </remarks>
    internal sealed class IdCache<T> where T : class
    {
        private readonly ConcurrentDictionary<object, T> _map = new ConcurrentDictionary<object, T>();

        /// <summary>The cached value for <paramref name="id"/>, else <paramref name="create"/>'s (which may run more than
        /// once when two threads ask at the same time, as with <c>ConcurrentDictionary.GetOrAdd</c>).</summary>
        public T GetOrAdd(uint id, Func<uint, T> create)
        {
            object key = id;
            return _map.TryGetValue(key, out var found) ? found : _map.GetOrAdd(key, create(id));
        }
    }
}
