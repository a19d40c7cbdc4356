using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.Loader;

namespace NpmHardening.Loading
{
    /// <summary>
    /// The private load context of the engine and its third-party dependencies on PowerShell 7, and its set-up at import
    /// (<see cref="Attach"/>, called by NpmHardening.dll's <c>DependencyLoader</c> through reflection).
    /// </summary>
    /// <remarks>
    /// <para>This code lives here, not in NpmHardening.dll, because NpmHardening.dll targets netstandard2.0 for Windows
    /// PowerShell 5.1, which loads the same file: it cannot derive from <see cref="AssemblyLoadContext"/>, and it stays
    /// IL, so every method it runs at import is JIT-compiled in every fresh process. This assembly is PowerShell 7 only:
    /// the build also compiles it to ReadyToRun code (<c>Dependencies/net&lt;major&gt;.0-&lt;os&gt;-&lt;arch&gt;/</c>, beside
    /// the engine's image), so on that runtime the set-up runs precompiled and calls the context API directly.</para>
    /// <para>An isolating context has to override <see cref="Load"/>: without it, a context first asks the default
    /// context, which hands out whatever version the session loaded before us when it is the same or newer.</para>
    /// <para>Which assemblies are private: every <c>*.dll</c> in <c>Dependencies/</c> (or its ReadyToRun image, when the
    /// build made one for this runtime and platform), except this assembly (it belongs to the default context) and those
    /// the platform already provides in the same or a newer version (listed in the runtime's trusted platform
    /// assemblies: System.Memory, System.Buffers, …). Those must come from the default context, so that types like
    /// <c>ReadOnlySpan&lt;T&gt;</c> are the ones the rest of the process uses. Which of them the platform provides is
    /// decided when one is first asked for (<see cref="PlatformProvides"/>), not at import: comparing versions reads two
    /// files per name, and the import itself only loads the engine, which the platform never provides.</para>
    /// <para>The bridge into the isolated context is the default context's <c>Resolving</c> event, answering only for
    /// the private assemblies that the module assembly itself references (the engine): when PowerShell's binder needs
    /// them for the cmdlet types, they come from the isolated context.</para>
    /// </remarks>
    public sealed class IsolatedLoadContext : AssemblyLoadContext
    {
        private static readonly object Gate = new object();
        private static IsolatedLoadContext? s_instance;
        private static bool s_attached;

        // Set while this thread loads a private assembly: loading it can raise the Resolving event again (for its own
        // references); those must not re-enter the same name.
        [ThreadStatic] private static HashSet<string>? t_resolving;

        private readonly Dictionary<string, string> _private;
        private readonly HashSet<string> _bridged;

        // Per private name: whether the platform provides it in the same or a newer version (decided on first request).
        private readonly Dictionary<string, bool> _platformProvides = new Dictionary<string, bool>(StringComparer.OrdinalIgnoreCase);
        private Dictionary<string, string>? _platformAssemblies;

        private IsolatedLoadContext(string name, Dictionary<string, string> privateAssemblies, HashSet<string> bridged)
            : base(name, isCollectible: false)
        {
            _private = privateAssemblies;
            _bridged = bridged;
        }

        /// <summary>
        /// Creates the context once per process and hooks the default context's <c>Resolving</c> event (idempotent).
        /// </summary>
        /// <param name="moduleAssembly">NpmHardening.dll: the private assemblies it references are the bridged ones.</param>
        /// <param name="contextName">The context's name ("NpmHardening").</param>
        /// <param name="dependencyDirectory">The module's <c>Dependencies/</c> folder.</param>
        /// <param name="readyToRunDirectory">Its subfolder of ReadyToRun images for this runtime and platform, or null.</param>
        public static void Attach(Assembly moduleAssembly, string contextName, string dependencyDirectory, string? readyToRunDirectory)
        {
            lock (Gate)
            {
                if (s_instance == null)
                {
                    var privateAssemblies = ListAssemblies(dependencyDirectory);
                    // Same assembly as the IL file of the same name, with precompiled code.
                    if (readyToRunDirectory != null && Directory.Exists(readyToRunDirectory))
                    {
                        foreach (var image in ListAssemblies(readyToRunDirectory)) privateAssemblies[image.Key] = image.Value;
                    }
                    privateAssemblies.Remove(typeof(IsolatedLoadContext).Assembly.GetName().Name!);

                    var bridged = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                    foreach (var reference in moduleAssembly.GetReferencedAssemblies())
                    {
                        if (reference.Name != null && privateAssemblies.ContainsKey(reference.Name)) bridged.Add(reference.Name);
                    }
                    s_instance = new IsolatedLoadContext(contextName, privateAssemblies, bridged);
                }
                if (!s_attached)
                {
                    Default.Resolving += ResolveFromDefault;
                    s_attached = true;
                }
            }
        }

        /// <summary>Unhooks the default context's <c>Resolving</c> event. Assemblies already loaded stay loaded.</summary>
        public static void Detach()
        {
            lock (Gate)
            {
                if (!s_attached) return;
                Default.Resolving -= ResolveFromDefault;
                s_attached = false;
            }
        }

        /// <summary>Private assemblies from <c>Dependencies/</c>; null for everything else, which then comes from the
        /// default context.</summary>
        protected override Assembly? Load(AssemblyName assemblyName) => LoadPrivate(assemblyName.Name);

        private Assembly? LoadPrivate(string? simpleName)
        {
            if (simpleName == null || !_private.TryGetValue(simpleName, out var path)) return null;
            if (PlatformProvides(simpleName, path)) return null;
            var resolving = t_resolving ??= new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            if (!resolving.Add(simpleName)) return null;
            try
            {
                return LoadFromAssemblyPath(path);
            }
            catch (Exception)
            {
                // A loader that throws turns one missing assembly into a confusing failure elsewhere; null lets the
                // runtime report the original bind failure.
                return null;
            }
            finally
            {
                resolving.Remove(simpleName);
            }
        }

        /// <summary>The default context's Resolving handler: only the engine (what the module assembly references),
        /// loaded into the isolated context by path (by name would fall back to the default context and come back here).</summary>
        private static Assembly? ResolveFromDefault(AssemblyLoadContext context, AssemblyName assemblyName)
        {
            var instance = s_instance;
            var simpleName = assemblyName.Name;
            if (instance == null || simpleName == null || !instance._bridged.Contains(simpleName)) return null;
            return instance.LoadPrivate(simpleName);
        }

        /// <summary>Simple name → full path of every <c>*.dll</c> in <paramref name="directory"/>.</summary>
        private static Dictionary<string, string> ListAssemblies(string directory)
        {
            var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var path in Directory.GetFiles(directory, "*.dll"))
            {
                result[Path.GetFileNameWithoutExtension(path)] = path;
            }
            return result;
        }

        /// <summary>
        /// Whether the runtime's trusted platform assemblies (the shared framework and the PowerShell host's own files)
        /// provide <paramref name="simpleName"/> in the same or a newer version than ours: then it comes from the default
        /// context. Decided once per name.
        /// </summary>
        private bool PlatformProvides(string simpleName, string ourPath)
        {
            lock (_platformProvides)
            {
                if (_platformProvides.TryGetValue(simpleName, out var known)) return known;
                _platformAssemblies ??= ListPlatformAssemblies();
                var provides = _platformAssemblies.TryGetValue(simpleName, out var platformPath) && IsSameOrNewer(platformPath, ourPath);
                _platformProvides[simpleName] = provides;
                return provides;
            }
        }

        /// <summary>Simple name → path of every trusted platform assembly.</summary>
        private static Dictionary<string, string> ListPlatformAssemblies()
        {
            var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (!(AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is string tpa)) return result;
            foreach (var platformPath in tpa.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                result[Path.GetFileNameWithoutExtension(platformPath)] = platformPath;
            }
            return result;
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
    }
}
