using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;

namespace NpmHardening.Loading
{
    /// <summary>
    /// Loads the engine and the third-party assemblies shipped in the module's <c>Dependencies/</c> folder
    /// without letting them collide with other versions already in (or later loaded into) the session.
    /// <list type="bullet">
    /// <item>PowerShell 7 (.NET): an isolated <c>AssemblyLoadContext</c> named "NpmHardening", set up by
    /// <c>Dependencies/NpmHardening.LoadContext.dll</c> (netcoreapp3.1; its <c>IsolatedLoadContext</c> says which
    /// assemblies are private). That assembly, too, has a ReadyToRun image for this runtime and platform where the build
    /// made one (<see cref="ReadyToRunFolderName"/>), so the set-up that every import runs is not JIT-compiled there;
    /// this class only finds the file and makes one reflection call.</item>
    /// <item>Windows PowerShell 5.1 (.NET Framework): <c>AppDomain.AssemblyResolve</c>, answering only for
    /// names that exist in <c>Dependencies/</c>. .NET Framework binds strong-named assemblies by exact version,
    /// so two versions can live side by side; the handler also serves as the binding redirect that a
    /// module cannot declare (System.Memory asks for an older System.Runtime.CompilerServices.Unsafe than
    /// the one shipped). PowerShell 7 uses the same handler when the load context assembly is missing or cannot be
    /// loaded (a damaged installation): the module then works without isolation.</item>
    /// </list>
    /// </summary>
    internal static class DependencyLoader
    {
        public const string DependencyFolderName = "Dependencies";
        public const string LoadContextName = "NpmHardening";

        /// <summary>The assembly (in <c>Dependencies/</c>) and type that set up the isolated context on PowerShell 7.</summary>
        internal const string LoadContextAssemblyName = "NpmHardening.LoadContext";
        private const string LoadContextTypeName = "NpmHardening.Loading.IsolatedLoadContext";

        private static readonly object Gate = new object();
        private static Type? s_coreContext;
        private static ResolveEventHandler? s_desktopHandler;
        private static Dictionary<string, string>? s_desktopAssemblies;

        /// <summary>The folder that holds the engine and third-party assemblies, next to NpmHardening.dll.</summary>
        public static string DependencyDirectory
        {
            get
            {
                var location = typeof(DependencyLoader).Assembly.Location;
                var baseDirectory = string.IsNullOrEmpty(location) ? AppContext.BaseDirectory : Path.GetDirectoryName(location);
                return Path.Combine(baseDirectory ?? ".", DependencyFolderName);
            }
        }

        public static void Register()
        {
            lock (Gate)
            {
                var directory = DependencyDirectory;
                // Running from a plain build output (bin/), everything sits next to NpmHardening.dll and the
                // runtime's normal probing finds it: nothing to do.
                if (!Directory.Exists(directory)) return;

                if (s_coreContext == null && IsCoreClr()) s_coreContext = AttachIsolatedContext(directory);
                if (s_coreContext == null && s_desktopHandler == null)
                {
                    s_desktopAssemblies = ListAssemblies(directory);
                    s_desktopHandler = ResolveOnDesktop;
                    AppDomain.CurrentDomain.AssemblyResolve += s_desktopHandler;
                }
            }
        }

        public static void Unregister()
        {
            lock (Gate)
            {
                if (s_coreContext != null)
                {
                    s_coreContext.GetMethod("Detach", BindingFlags.Public | BindingFlags.Static)?.Invoke(null, null);
                    s_coreContext = null;
                }
                if (s_desktopHandler != null)
                {
                    AppDomain.CurrentDomain.AssemblyResolve -= s_desktopHandler;
                    s_desktopHandler = null;
                }
            }
        }

        /// <summary>.NET (Core), where assemblies load through AssemblyLoadContexts; false on .NET Framework.</summary>
        private static bool IsCoreClr() =>
            typeof(object).Assembly.GetType("System.Runtime.Loader.AssemblyLoadContext", throwOnError: false) != null;

        /// <summary>
        /// Loads <c>NpmHardening.LoadContext.dll</c> into the default context (its ReadyToRun image for this runtime and
        /// platform when there is one, else the IL file) and calls its <c>IsolatedLoadContext.Attach</c>. Null when the
        /// file is missing or fails: the caller falls back to <c>AssemblyResolve</c>.
        /// </summary>
        private static Type? AttachIsolatedContext(string directory)
        {
            try
            {
                var readyToRun = ReadyToRunFolderName();
                var readyToRunDirectory = readyToRun == null ? null : Path.Combine(directory, readyToRun);
                var fileName = LoadContextAssemblyName + ".dll";
                var path = readyToRunDirectory != null && File.Exists(Path.Combine(readyToRunDirectory, fileName))
                    ? Path.Combine(readyToRunDirectory, fileName)
                    : Path.Combine(directory, fileName);
                if (!File.Exists(path)) return null;
                var type = Assembly.LoadFrom(path).GetType(LoadContextTypeName, throwOnError: false);
                var attach = type?.GetMethod("Attach", BindingFlags.Public | BindingFlags.Static);
                if (type == null || attach == null) return null;
                attach.Invoke(null, new object?[] { typeof(DependencyLoader).Assembly, LoadContextName, directory, readyToRunDirectory });
                return type;
            }
            catch (Exception)
            {
                return null;
            }
        }

        /// <summary>
        /// The subfolder of <c>Dependencies/</c> with ReadyToRun images for the running .NET and platform:
        /// <c>net&lt;major&gt;.0-&lt;os&gt;-&lt;arch&gt;</c> (net10.0-linux-x64, net10.0-win-x64, …). ReadyToRun code is
        /// compiled for one major .NET version, one OS and one processor; the same files also hold the IL, but
        /// Windows PowerShell cannot load them, so they never replace the IL files in <c>Dependencies/</c> itself.
        /// Null where the platform has no name here (the IL files are loaded).
        /// </summary>
        internal static string? ReadyToRunFolderName()
        {
            string? os = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "win"
                : RuntimeInformation.IsOSPlatform(OSPlatform.Linux) ? "linux"
                : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "osx"
                : null;
            string? architecture = RuntimeInformation.ProcessArchitecture switch
            {
                Architecture.X64 => "x64",
                Architecture.Arm64 => "arm64",
                Architecture.X86 => "x86",
                Architecture.Arm => "arm",
                _ => null,
            };
            if (os == null || architecture == null) return null;
            // On .NET Core 3.0 and later, Environment.Version is the runtime's version (10.0.x on PowerShell 7.6).
            return "net" + Environment.Version.Major + ".0-" + os + "-" + architecture;
        }

        /// <summary>Simple name → full path of every <c>*.dll</c> in <paramref name="directory"/>.</summary>
        internal static Dictionary<string, string> ListAssemblies(string directory)
        {
            var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var path in Directory.GetFiles(directory, "*.dll"))
            {
                result[Path.GetFileNameWithoutExtension(path)] = path;
            }
            return result;
        }

        private static Assembly? ResolveOnDesktop(object? sender, ResolveEventArgs args)
        {
            try
            {
                var name = new AssemblyName(args.Name).Name;
                var assemblies = s_desktopAssemblies;
                if (name == null || assemblies == null || !assemblies.TryGetValue(name, out var path)) return null;
                return Assembly.LoadFrom(path);
            }
            catch (Exception)
            {
                // A resolver that throws turns one missing assembly into a confusing failure elsewhere;
                // returning null lets the runtime report the original bind failure.
                return null;
            }
        }
    }
}
