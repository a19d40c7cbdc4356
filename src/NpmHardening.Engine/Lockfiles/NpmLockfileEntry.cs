using System;
using System.Collections.Generic;

namespace NpmHardening.Engine.Lockfiles
{
    /// <summary>
    /// One package of a lockfile, under its <c>packages</c> key (v2, v3) or the key a v1 <c>dependencies</c> tree maps
    /// to (<c>node_modules/a/node_modules/b</c>). The root project is the entry with the empty key.
    /// </summary>
    public sealed class NpmLockfileEntry
    {
        /// <summary>The <c>packages</c> key: <c>""</c> for the root, <c>node_modules/@s/a</c>, <c>packages/web</c> for a workspace.</summary>
        public string Key { get; internal set; } = "";
        /// <summary>The package name: the entry's <c>name</c> field when present (an alias, a workspace), else the folder after the last <c>node_modules/</c>.</summary>
        public string Name { get; internal set; } = "";
        /// <summary>The name the package is installed under (the folder after the last <c>node_modules/</c>); differs from <see cref="Name"/> for an alias (<c>"x": "npm:y@1"</c>). Null for the root and workspace folders.</summary>
        public string? InstalledAs { get; internal set; }
        public string? Version { get; internal set; }
        /// <summary>Where npm fetches it: a tarball URL, a git URL, or for a link the target folder relative to the lockfile.</summary>
        public string? Resolved { get; internal set; }
        /// <summary>The SRI string (<c>sha512-…</c>, possibly several space-separated hashes).</summary>
        public string? Integrity { get; internal set; }
        /// <summary>A symbolic link to <see cref="Resolved"/> (workspaces, <c>file:</c> folders).</summary>
        public bool Link { get; internal set; }
        public bool Dev { get; internal set; }
        public bool Optional { get; internal set; }
        public bool DevOptional { get; internal set; }
        public bool Peer { get; internal set; }
        /// <summary>Inside a bundled dependency's tarball: npm does not fetch it separately.</summary>
        public bool InBundle { get; internal set; }
        /// <summary>npm saw a preinstall, install or postinstall script (or a binding.gyp).</summary>
        public bool HasInstallScript { get; internal set; }
        /// <summary>Names under <c>dependencies</c> (v1: <c>requires</c>).</summary>
        public IReadOnlyList<string> Dependencies { get; internal set; } = Array.Empty<string>();
        /// <summary>Names under <c>optionalDependencies</c>.</summary>
        public IReadOnlyList<string> OptionalDependencies { get; internal set; } = Array.Empty<string>();
        /// <summary>1-based line of the entry's key in the file.</summary>
        public int Line { get; internal set; }

        public bool IsRoot => Key.Length == 0;

        public override string ToString() => (Key.Length == 0 ? "(root)" : Key) + (Version != null ? "@" + Version : "");
    }
}
