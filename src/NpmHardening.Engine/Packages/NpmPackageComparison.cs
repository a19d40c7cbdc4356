using System.Collections.Generic;

namespace NpmHardening
{
    /// <summary>The result of one comparison: every change in order (tarball problems, package.json, files), and the verdict.</summary>
    public sealed class NpmPackageComparison
    {
        internal NpmPackageComparison(IReadOnlyList<NpmPackageChange> changes, NpmPackageReview summary)
        {
            Changes = changes;
            Summary = summary;
        }

        public IReadOnlyList<NpmPackageChange> Changes { get; }
        public NpmPackageReview Summary { get; }
    }
}
