using System;
using System.Collections;

namespace NpmHardening
{
    /// <summary>
    /// One staged version (Get-NpmStagedPackage): what <c>GET /-/stage</c> or <c>GET /-/stage/{id}</c> returned, with npm's
    /// field names made nouns. A staged version is invisible to <c>npm install</c> until a maintainer approves it with a
    /// second factor. Everything here is the registry's word: hostile input, shown, never trusted for a path.
    /// </summary>
    public sealed class NpmStagedPackage
    {
        /// <summary>The stage id (a UUID): what Save-, Approve- and Deny-NpmStagedPackage take.</summary>
        public string StageId { get; set; } = "";
        /// <summary>packageName: the package name, with its scope.</summary>
        public string? Package { get; set; }
        public string? Version { get; set; }
        /// <summary>The dist-tag approval will set (fixed once staged).</summary>
        public string? Tag { get; set; }
        /// <summary>public or private (restricted).</summary>
        public string? Access { get; set; }
        /// <summary>createdAt: when the version was staged.</summary>
        public DateTimeOffset? StagedAt { get; set; }
        /// <summary>How long it has waited, at the time it was read.</summary>
        public TimeSpan? Age { get; set; }
        /// <summary>actor: the user name that staged it.</summary>
        public string? StagedBy { get; set; }
        /// <summary>actorType, as npm prints it after the actor ("user", "trusted automation", ...).</summary>
        public string? ActorType { get; set; }
        /// <summary>The tarball's SHA-1 (40 hex digits): what Save-NpmStagedPackage verifies the download against.</summary>
        public string? Shasum { get; set; }
        /// <summary>The registry asked (without user info or query).</summary>
        public string Registry { get; set; } = "";
        /// <summary>Keys of the item this module does not know, which <c>npm stage view</c> would print too (name → text; objects as JSON).</summary>
        public Hashtable Extra { get; set; } = new Hashtable(StringComparer.Ordinal);

        public override string ToString() => $"{Package ?? "?"}@{Version ?? "?"} ({StageId})";
    }
}
