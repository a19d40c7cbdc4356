using System;
using System.Collections.Generic;

namespace NpmHardening.Engine.Releases
{
    /// <summary>
    /// What a package document says at the top level (dist-tags, time, maintainers) and its releases, read by
    /// <see cref="NpmPackumentReader"/>. Releases are in publish order (oldest first; versions without a time last, in
    /// the document's order).
    /// </summary>
    public sealed class NpmPackument
    {
        public string Package { get; set; } = "";
        /// <summary>The document's own name field (may differ from the name asked for on a misbehaving registry).</summary>
        public string? Name { get; set; }
        public IReadOnlyDictionary<string, string> DistTags { get; set; } = new Dictionary<string, string>();
        public DateTimeOffset? Created { get; set; }
        public DateTimeOffset? Modified { get; set; }
        public IReadOnlyList<NpmReleaseIdentity> Maintainers { get; set; } = Array.Empty<NpmReleaseIdentity>();
        /// <summary>time[] for every version it names, including versions no longer in 'versions' (unpublished).</summary>
        public IReadOnlyDictionary<string, DateTimeOffset> Times { get; set; } = new Dictionary<string, DateTimeOffset>();
        /// <summary>Versions that time[] names and 'versions' does not: unpublished ones.</summary>
        public IReadOnlyList<string> UnpublishedVersions { get; set; } = Array.Empty<string>();
        public IReadOnlyList<NpmPackageRelease> Releases { get; set; } = Array.Empty<NpmPackageRelease>();
        /// <summary>False when the document had no 'versions' object at all.</summary>
        public bool HasVersions { get; set; }
        /// <summary>Top-level fields that had the wrong type or an unreadable value, in words.</summary>
        public IReadOnlyList<string> Problems { get; set; } = Array.Empty<string>();
        /// <summary>Bytes read.</summary>
        public long Bytes { get; set; }
    }
}
