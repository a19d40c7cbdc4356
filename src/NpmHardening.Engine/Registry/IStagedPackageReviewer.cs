using System.Threading;

namespace NpmHardening.Engine.Registry
{
    /// <summary>
    /// The review Approve-NpmStagedPackage runs before it approves: the staged tarball against the package's latest
    /// published version (Compare-NpmStagedPackage's engine). The cmdlet refuses to approve when the verdict blocks,
    /// unless -Force, and names the reasons. Until an implementation is registered in <see cref="StagedPackageReview"/>,
    /// approval proceeds after its ShouldProcess confirmation with a warning that no review ran.
    /// </summary>
    public interface IStagedPackageReviewer
    {
        StagedPackageVerdict Review(string registry, RegistryCredential credential, NpmStagedPackage staged, CancellationToken cancellationToken);
    }
}
