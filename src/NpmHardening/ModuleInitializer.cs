using System.Management.Automation;
using NpmHardening.Loading;

namespace NpmHardening.Commands
{
    /// <summary>
    /// Runs when PowerShell imports the module and before it binds any cmdlet: routes the engine and its
    /// third-party dependencies (the module's <c>Dependencies/</c> folder) through <see cref="DependencyLoader"/>,
    /// so a session that already holds another version of one of them (System.IO.Hashing, YamlDotNet, …)
    /// keeps working, and so does this module.
    /// </summary>
    /// <remarks>
    /// This type must not mention any type of the engine or of a dependency: its methods are compiled before
    /// the resolver is in place.
    /// </remarks>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        /// <summary>Installs the dependency resolver (idempotent), then starts building the engine's catalogs in the
        /// background (<see cref="EngineWarmUp"/>). How the session rehydrates the module's objects after a job, remoting
        /// or Import-Clixml is in NpmHardening.types.ps1xml, which PowerShell reads before this runs
        /// (<see cref="RehydrationTarget"/>).</summary>
        public void OnImport()
        {
            DependencyLoader.Register();
            EngineWarmUp.Start();
        }

        /// <summary>Removes the resolver. Assemblies already loaded stay loaded, as .NET requires.</summary>
        public void OnRemove(PSModuleInfo psModuleInfo) => DependencyLoader.Unregister();
    }
}
