using System;
using System.Collections.Generic;
using NpmHardening.Engine.Registry;

namespace NpmHardening.Engine.Analyzers
{
    /// <summary>One npmrc file to judge line by line (<see cref="NpmrcCredentialAnalyzer"/>), and what its lines are judged against.</summary>
    public sealed class NpmrcCredentialInput
    {
        /// <param name="path">The file.</param>
        /// <param name="provenance">Where a <c>${VAR}</c> reference takes its value from for the audited account.</param>
        public NpmrcCredentialInput(string path, SecretProvenance provenance)
        {
            Path = path ?? throw new ArgumentNullException(nameof(path));
            Provenance = provenance ?? throw new ArgumentNullException(nameof(provenance));
        }

        public string Path { get; }
        public SecretProvenance Provenance { get; }
        /// <summary>How npm meets the file: Builtin, Global, User, Project, or File for a file given by path.</summary>
        public string Layer { get; set; } = "File";
        /// <summary>What the findings' Context says.</summary>
        public string? Context { get; set; }
        /// <summary>
        /// Nerf-dart scope → registry URL for the registries the context's configuration names (a credential for an http
        /// one travels in clear); null: the registries this file names.
        /// </summary>
        public IReadOnlyDictionary<string, string>? Registries { get; set; }
    }
}
