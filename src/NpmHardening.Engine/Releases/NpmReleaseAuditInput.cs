using System;
using System.Collections.Generic;

namespace NpmHardening.Engine.Releases
{
    /// <summary>
    /// What the release audit reads for one package: its whole history (every release, in publish order, for the
    /// baselines: adoption of staging, the previous version on a line, publishers seen before) and the releases to
    /// judge (those -Since and -Version selected), with their signatures already checked against the registry's keys.
    /// </summary>
    public sealed class NpmReleaseAuditInput
    {
        public string Package { get; set; } = "";
        /// <summary>The registry, without credentials.</summary>
        public string Registry { get; set; } = "";
        public IReadOnlyList<NpmPackageRelease> History { get; set; } = Array.Empty<NpmPackageRelease>();
        public IReadOnlyList<NpmPackageRelease> Selected { get; set; } = Array.Empty<NpmPackageRelease>();
        /// <summary>Null when the keys were not read (signatures not judged); else whether the registry signs.</summary>
        public bool? RegistrySigns { get; set; }
    }
}
