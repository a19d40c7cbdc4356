using System;
using System.Collections.Generic;

namespace NpmHardening.Engine.Lockfiles
{
    /// <summary>
    /// What the comparison needs of one lockfile entry, whatever reader produced it: its key in the tree, identity,
    /// source, flags and the names it depends on. Kept apart from the reader's model so the diff can be tested on
    /// entries built by hand.
    /// </summary>
    internal sealed class LockNode
    {
        /// <summary>The key under "packages" ("" for the project, <c>node_modules/a</c>, <c>packages/web</c> for a workspace).</summary>
        public string Key { get; set; } = "";
        public string Name { get; set; } = "";
        public string? Version { get; set; }
        public string? Resolved { get; set; }
        public string? Integrity { get; set; }
        public bool HasInstallScript { get; set; }
        public bool Dev { get; set; }
        public bool Optional { get; set; }
        /// <summary>A symlink to another entry (a workspace): <see cref="Resolved"/> is the target's key.</summary>
        public bool Link { get; set; }
        /// <summary>Every dependency name the entry declares (dependencies, optional, peer; dev too for the project and workspaces).</summary>
        public IReadOnlyList<string> Dependencies { get; set; } = Array.Empty<string>();
        public int? Line { get; set; }

        /// <summary>The comparison's view of a reader's entry: optional dependencies are edges too, devOptional counts as dev.</summary>
        public static LockNode From(NpmLockfileEntry e)
        {
            IReadOnlyList<string> deps = e.Dependencies;
            if (e.OptionalDependencies.Count > 0)
            {
                var all = new List<string>(e.Dependencies.Count + e.OptionalDependencies.Count);
                all.AddRange(e.Dependencies);
                all.AddRange(e.OptionalDependencies);
                deps = all;
            }
            return new LockNode
            {
                Key = e.Key, Name = e.Name, Version = e.Version, Resolved = e.Resolved, Integrity = e.Integrity,
                HasInstallScript = e.HasInstallScript, Dev = e.Dev || e.DevOptional, Optional = e.Optional, Link = e.Link,
                Dependencies = deps, Line = e.Line > 0 ? e.Line : (int?)null,
            };
        }

        /// <summary>The folder name under the last node_modules of a key (<c>@scope/name</c> for scoped ones); "" for the project.</summary>
        public static string NameFromKey(string key)
        {
            int at = key.LastIndexOf("node_modules/", StringComparison.Ordinal);
            return at < 0 ? "" : key.Substring(at + "node_modules/".Length);
        }

        /// <summary>True for the project itself and its workspace folders: keys with no node_modules segment.</summary>
        public static bool IsProjectFolder(string key) =>
            key.Length == 0 || !(key.StartsWith("node_modules/", StringComparison.Ordinal) || key.IndexOf("/node_modules/", StringComparison.Ordinal) >= 0);

        public override string ToString() => $"{Key} {Name}@{Version}";
    }
}
