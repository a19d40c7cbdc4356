using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;

namespace NpmHardening.Loading
{
    /// <summary>
    /// A private <c>System.Runtime.Loader.AssemblyLoadContext</c> for the engine and its dependencies on
    /// PowerShell 7, reached by reflection because the module targets netstandard2.0, where the type does not
    /// exist at compile time.
    /// </summary>
    /// <remarks>
    /// <para>An isolating context has to override <c>AssemblyLoadContext.Load</c>: without the override, a
    /// context first asks the default context, which hands out whatever version the session loaded before us
    /// when it is the same or newer (and with an older one fails, so that other resolvers get a say).
    /// A netstandard2.0 assembly cannot subclass the type, so the subclass lives in
    /// <c>Dependencies/NpmHardening.LoadContext.dll</c> (netcoreapp3.1, loaded into the default context): its
    /// <c>Load</c> calls back into <see cref="LoadPrivate"/>. (Until issue 10 the module emitted that class at every
    /// import; loading it precompiled is cheaper.) Without that file, <see cref="Create"/> falls back to a plain
    /// context plus its <c>Resolving</c> event, which still isolates in the common case (the dependency is not in
    /// the default context at all, or only in a lower version).</para>
    /// <para>Which assemblies are private: every <c>*.dll</c> in <c>Dependencies/</c> (or its ReadyToRun image in
    /// <c>Dependencies/net&lt;major&gt;.0-&lt;os&gt;-&lt;arch&gt;/</c>, when the build made one), except those the
    /// platform already provides in the same or a newer version (listed in the runtime's trusted platform
    /// assemblies: System.Memory, System.Buffers, …). Those must come from the default context, so that types
    /// like <c>ReadOnlySpan&lt;T&gt;</c> are the ones the rest of the process uses.</para>
    /// <para>The bridge into the isolated context is the default context's <c>Resolving</c> event, answering
    /// only for the private assemblies that NpmHardening.dll itself references (the engine): when PowerShell's
    /// binder needs them for the cmdlet types, they come from the isolated context.</para>
    /// </remarks>
    internal sealed class IsolatedLoadContext
    {
        private const BindingFlags AnyInstance = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;

        /// <summary>The assembly (in <c>Dependencies/</c>) and type of the AssemblyLoadContext subclass.</summary>
        internal const string SubclassAssemblyName = "NpmHardening.LoadContext";
        private const string SubclassTypeName = "NpmHardening.Loading.CallbackLoadContext";

        private readonly Dictionary<string, string> _private;
        private readonly HashSet<string> _bridged;
        private readonly object _defaultContext;
        private readonly EventInfo _defaultResolving;
        private readonly Delegate _defaultResolvingHandler;
        private Func<string, Assembly>? _loadFromAssemblyPath;
        private bool _attached;

        // Set while this thread is inside one of our handlers: loading a private assembly can raise the
        // Resolving events again (for its own references); those must not re-enter the same name.
        [ThreadStatic] private static HashSet<string>? t_resolving;

        /// <summary>The AssemblyLoadContext instance (for diagnostics and tests).</summary>
        public object Context { get; private set; } = null!;

        /// <summary>Whether the context overrides Load (the precompiled subclass) or relies on its Resolving event.</summary>
        public bool OverridesLoad { get; private set; }

        private IsolatedLoadContext(Dictionary<string, string> privateAssemblies, HashSet<string> bridged,
            object defaultContext, EventInfo defaultResolving, Type alcType)
        {
            _private = privateAssemblies;
            _bridged = bridged;
            _defaultContext = defaultContext;
            _defaultResolving = defaultResolving;
            _defaultResolvingHandler = CreateResolvingHandler(alcType, nameof(ResolveFromDefault));
        }

        /// <summary>The AssemblyLoadContext type on .NET (Core); null on .NET Framework.</summary>
        public static Type? FindLoadContextType() =>
            typeof(object).Assembly.GetType("System.Runtime.Loader.AssemblyLoadContext", throwOnError: false);

        public static IsolatedLoadContext Create(Type alcType, string name, string directory, ISet<string> referencedByModule)
        {
            var defaultContext = alcType.GetProperty("Default", BindingFlags.Public | BindingFlags.Static)?.GetValue(null)
                ?? throw new InvalidOperationException("AssemblyLoadContext.Default is not available.");
            var resolving = alcType.GetEvent("Resolving")
                ?? throw new InvalidOperationException("AssemblyLoadContext.Resolving is not available.");

            var privateAssemblies = DependencyLoader.ListAssemblies(directory);
            // ReadyToRun images the build made for this runtime and platform, from the same IL: same assembly, with
            // precompiled code, so the first call does not wait for the JIT.
            var readyToRun = DependencyLoader.ReadyToRunFolderName();
            var readyToRunDirectory = readyToRun == null ? null : Path.Combine(directory, readyToRun);
            if (readyToRunDirectory != null && Directory.Exists(readyToRunDirectory))
            {
                foreach (var image in DependencyLoader.ListAssemblies(readyToRunDirectory)) privateAssemblies[image.Key] = image.Value;
            }
            // The subclass's own assembly belongs to the default context, never to this one.
            privateAssemblies.Remove(SubclassAssemblyName);
            RemovePlatformProvided(privateAssemblies);

            var bridged = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var assemblyName in privateAssemblies.Keys)
            {
                if (referencedByModule.Contains(assemblyName)) bridged.Add(assemblyName);
            }

            var isolated = new IsolatedLoadContext(privateAssemblies, bridged, defaultContext, resolving, alcType);
            var loadCallback = new Func<AssemblyName, Assembly?>(isolated.LoadPrivate);

            object? context = null;
            var subclass = FindSubclass(directory, alcType);
            if (subclass != null)
            {
                context = Activator.CreateInstance(subclass, name, loadCallback);
                isolated.OverridesLoad = true;
            }
            else
            {
                context = Activator.CreateInstance(alcType, name, false);
                resolving.AddEventHandler(context, CreateResolvingHandler(alcType, nameof(ResolveFromIsolated), isolated));
            }
            isolated.Context = context ?? throw new InvalidOperationException("Could not create the NpmHardening AssemblyLoadContext.");

            isolated._loadFromAssemblyPath = (Func<string, Assembly>)Delegate.CreateDelegate(
                typeof(Func<string, Assembly>), context,
                alcType.GetMethod("LoadFromAssemblyPath", new[] { typeof(string) })
                    ?? throw new InvalidOperationException("AssemblyLoadContext.LoadFromAssemblyPath is not available."));
            return isolated;
        }

        /// <summary>Hooks the default context's Resolving event (idempotent).</summary>
        public void Attach()
        {
            if (_attached) return;
            _defaultResolving.AddEventHandler(_defaultContext, _defaultResolvingHandler);
            _attached = true;
        }

        public void Detach()
        {
            if (!_attached) return;
            _defaultResolving.RemoveEventHandler(_defaultContext, _defaultResolvingHandler);
            _attached = false;
        }

        /// <summary>The isolated context's Load: private assemblies from Dependencies/, everything else from
        /// the default context (null).</summary>
        private Assembly? LoadPrivate(AssemblyName assemblyName)
        {
            var simpleName = assemblyName.Name;
            if (simpleName == null || _loadFromAssemblyPath == null || !_private.TryGetValue(simpleName, out var path)) return null;
            var resolving = t_resolving ??= new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            if (!resolving.Add(simpleName)) return null;
            try
            {
                return _loadFromAssemblyPath(path);
            }
            catch (Exception)
            {
                return null;
            }
            finally
            {
                resolving.Remove(simpleName);
            }
        }

        /// <summary>Default context's Resolving handler: only the engine (what NpmHardening.dll references),
        /// loaded into the isolated context by path (by name would fall back to Default and come back here).</summary>
        private Assembly? ResolveFromDefault(object context, AssemblyName assemblyName)
        {
            var simpleName = assemblyName.Name;
            if (simpleName == null || !_bridged.Contains(simpleName)) return null;
            return LoadPrivate(assemblyName);
        }

        /// <summary>Fallback mode only: the isolated context's own Resolving handler.</summary>
        private Assembly? ResolveFromIsolated(object context, AssemblyName assemblyName) => LoadPrivate(assemblyName);

        private Delegate CreateResolvingHandler(Type alcType, string methodName) =>
            CreateResolvingHandler(alcType, methodName, this);

        private static Delegate CreateResolvingHandler(Type alcType, string methodName, IsolatedLoadContext target)
        {
            // Func<AssemblyLoadContext, AssemblyName, Assembly?>; the method takes object for the context, which
            // delegate binding accepts (parameter contravariance for reference types).
            var handlerType = typeof(Func<,,>).MakeGenericType(alcType, typeof(AssemblyName), typeof(Assembly));
            var method = typeof(IsolatedLoadContext).GetMethod(methodName, AnyInstance)
                ?? throw new MissingMethodException(nameof(IsolatedLoadContext), methodName);
            return Delegate.CreateDelegate(handlerType, target, method);
        }

        /// <summary>
        /// Drops the assemblies that the runtime's trusted platform assemblies (the shared framework and the
        /// PowerShell host's own files) already provide in the same or a newer version.
        /// </summary>
        private static void RemovePlatformProvided(Dictionary<string, string> assemblies)
        {
            if (!(AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is string tpa)) return;
            foreach (var platformPath in tpa.Split(new[] { Path.PathSeparator }, StringSplitOptions.RemoveEmptyEntries))
            {
                var simpleName = Path.GetFileNameWithoutExtension(platformPath);
                if (!assemblies.TryGetValue(simpleName, out var ourPath)) continue;
                if (IsSameOrNewer(platformPath, ourPath)) assemblies.Remove(simpleName);
            }
        }

        private static bool IsSameOrNewer(string platformPath, string ourPath)
        {
            try
            {
                var platformVersion = AssemblyVersionReader.TryRead(platformPath) ?? AssemblyName.GetAssemblyName(platformPath).Version;
                var ourVersion = AssemblyVersionReader.TryRead(ourPath) ?? AssemblyName.GetAssemblyName(ourPath).Version;
                return platformVersion == null || ourVersion == null || platformVersion >= ourVersion;
            }
            catch (Exception)
            {
                // Unreadable: trust the platform, as the runtime would.
                return true;
            }
        }

        /// <summary>
        /// The AssemblyLoadContext subclass from <c>Dependencies/NpmHardening.LoadContext.dll</c>, loaded into the
        /// default context; null when the file is missing or does not hold it.
        /// </summary>
        private static Type? FindSubclass(string directory, Type alcType)
        {
            try
            {
                var path = Path.Combine(directory, SubclassAssemblyName + ".dll");
                if (!File.Exists(path)) return null;
                var type = Assembly.LoadFrom(path).GetType(SubclassTypeName, throwOnError: false);
                return type != null && alcType.IsAssignableFrom(type) ? type : null;
            }
            catch (Exception)
            {
                return null;
            }
        }
    }
}
