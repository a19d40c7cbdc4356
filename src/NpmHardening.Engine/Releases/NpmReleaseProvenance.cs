namespace NpmHardening.Engine.Releases
{
    /// <summary>
    /// dist.attestations of a version: the provenance predicate type and the attestation URL, and, once the bundle was
    /// read (Get-NpmPackageRelease -CheckProvenance), whether the provenance statement's subject sha512 is the tarball's
    /// integrity. The Sigstore signatures of the bundle are NOT verified.
    /// </summary>
    public sealed class NpmReleaseProvenance
    {
        /// <summary>dist.attestations.provenance.predicateType (https://slsa.dev/provenance/v1, v0.2); null when absent.</summary>
        public string? PredicateType { get; set; }
        /// <summary>dist.attestations.url.</summary>
        public string? AttestationUrl { get; set; }
        /// <summary>True/false once the bundle was read and its subject compared with dist.integrity; null when not checked.</summary>
        public bool? DigestMatches { get; set; }
        /// <summary>Why the digest was not compared, or what was found, in a sentence.</summary>
        public string? Note { get; set; }

        public override string ToString() => (PredicateType ?? "(attestations without provenance)") +
            (DigestMatches == true ? " (digest matches)" : DigestMatches == false ? " (DIGEST MISMATCH)" : "");
    }
}
