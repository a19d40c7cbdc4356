using System;
using System.Collections.Generic;

namespace NpmHardening.Engine.Lockfiles
{
    /// <summary>One lockfile and what its project allows, for <see cref="Analyzers.LockfileAnalyzer"/>.</summary>
    public sealed class NpmLockfileAuditInput
    {
        public NpmLockfileAuditInput(NpmLockfile lockfile) { Lockfile = lockfile; }

        /// <summary>A lockfile file not read yet, for <see cref="Analyzers.LockfileAnalyzer.AnalyzeFile"/>, which reads it.</summary>
        public NpmLockfileAuditInput(string path) { Lockfile = new NpmLockfile { Path = path }; }

        /// <summary>The lockfile; for an input made from a path, its header once AnalyzeFile has read it (and its entries only when the full read was needed).</summary>
        public NpmLockfile Lockfile { get; internal set; }
        /// <summary>The project's effective registry (npm's <c>registry</c>), with a trailing slash.</summary>
        public string Registry { get; set; } = PublicRegistry;
        /// <summary>Hosts (with a non-default port) resolved URLs may name, lower case: the registry's, each scope registry's, -AllowedHost and the policy's.</summary>
        public ISet<string> AllowedHosts { get; set; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        /// <summary>Schemes other than https that entries may use (<c>git+ssh</c>, <c>file</c>, …), lower case, without the colon.</summary>
        public ISet<string> AllowedSchemes { get; set; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        /// <summary>Per scope (<c>@corp</c>, lower case), the registry URLs its packages must come from (npm's <c>@corp:registry</c>, the policy's ScopedRegistries).</summary>
        public IReadOnlyDictionary<string, string[]> ScopeRegistries { get; set; } = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
        /// <summary>The project's allowScripts (package.json beside the lockfile); null when it has none.</summary>
        public AllowScriptsPolicy? AllowScripts { get; set; }
        /// <summary>The folder link targets must stay in: the git work tree holding the lockfile, else its folder.</summary>
        public string RepositoryRoot { get; set; } = "";

        public const string PublicRegistry = "https://registry.npmjs.org/";

        /// <summary>Hosts of the public registries whose URL layout is npm's (lockfile-lint's list), where a tarball URL names its package.</summary>
        public static readonly IReadOnlyCollection<string> PublicRegistryHosts = new[] { "registry.npmjs.org", "registry.yarnpkg.com", "registry.verdaccio.org" };

        /// <summary>lockfile-lint's short names for -AllowedHost.</summary>
        public static string? HostAlias(string name) => name switch
        {
            "npm" => "registry.npmjs.org",
            "yarn" => "registry.yarnpkg.com",
            "verdaccio" => "registry.verdaccio.org",
            _ => null,
        };
    }
}
