using System;
using System.Reflection;
using System.Runtime.Loader;

namespace NpmHardening.Loading
{
    /// <summary>
    /// An <see cref="AssemblyLoadContext"/> whose <see cref="Load"/> is a callback. An isolating context must override
    /// <c>Load</c>: without it, a context first asks the default context, which hands out whatever version the session
    /// loaded before. NpmHardening.dll's <c>IsolatedLoadContext</c> supplies the callback (its private assemblies from
    /// <c>Dependencies/</c>, null for everything else, which then comes from the default context).
    /// </summary>
    public sealed class CallbackLoadContext : AssemblyLoadContext
    {
        private readonly Func<AssemblyName, Assembly?> _load;

        public CallbackLoadContext(string name, Func<AssemblyName, Assembly?> load)
            : base(name, isCollectible: false)
        {
            _load = load ?? throw new ArgumentNullException(nameof(load));
        }

        protected override Assembly? Load(AssemblyName assemblyName) => _load(assemblyName);
    }
}
