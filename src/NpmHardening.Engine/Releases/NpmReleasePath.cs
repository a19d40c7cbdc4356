namespace NpmHardening.Engine.Releases
{
    /// <summary>
    /// How a version reached the registry, from its own markers only (docs/types/NpmPackageRelease.md): the approver
    /// marks staging, trustedPublisher an OIDC publish, dist.attestations.provenance a provenance statement.
    /// </summary>
    public enum NpmReleasePath
    {
        /// <summary>_npmUser.approver: staged, then approved with a second factor (through OIDC or a token).</summary>
        StagedApproved,
        /// <summary>_npmUser.trustedPublisher without an approver: published directly by an OIDC exchange.</summary>
        TrustedPublisherDirect,
        /// <summary>No approver, no trusted publisher, but a provenance statement: a token publish with --provenance.</summary>
        TokenWithProvenance,
        /// <summary>No marker at all: a token or a logged-in session published it.</summary>
        Token,
        /// <summary>The entry has no readable _npmUser (an old version, a mirror, a damaged document).</summary>
        Unknown,
    }
}
