using System;
using System.Collections.Generic;

namespace NpmHardening.Engine.Releases
{
    /// <summary>
    /// One published version of a package, as its package document records it: who published it and how
    /// (<see cref="ReleasePath"/>, from the approver, trusted-publisher and provenance markers, each kept on its own),
    /// the registry's signature, deprecation and the dist-tags that point at it.
    /// </summary>
    public sealed class NpmPackageRelease
    {
        public string Package { get; set; } = "";
        public string Version { get; set; } = "";
        /// <summary>time[version] of the document; null when absent or unreadable.</summary>
        public DateTimeOffset? PublishedAt { get; set; }
        /// <summary>_npmUser (name, email); null when the entry has none.</summary>
        public NpmReleaseIdentity? Publisher { get; set; }
        public NpmReleasePath ReleasePath { get; set; } = NpmReleasePath.Unknown;
        /// <summary>_npmUser.approver: who approved the staged version with a second factor; null when not staged.</summary>
        public NpmReleaseIdentity? Approver { get; set; }
        /// <summary>_npmUser.trustedPublisher; null when the version was not published through OIDC.</summary>
        public NpmReleaseTrustedPublisher? TrustedPublisher { get; set; }
        /// <summary>dist.attestations; null when the version has none. Its PredicateType is null for attestations without provenance.</summary>
        public NpmReleaseProvenance? Provenance { get; set; }
        /// <summary>NotChecked until the registry's keys were compared (Get-NpmPackageRelease does that).</summary>
        public NpmRegistrySignatureStatus RegistrySignature { get; set; } = NpmRegistrySignatureStatus.NotChecked;
        /// <summary>The key id of the signature that decided <see cref="RegistrySignature"/> (SHA256:...); null without one.</summary>
        public string? SignatureKeyId { get; set; }
        /// <summary>The deprecation message; null when the version is not deprecated.</summary>
        public string? Deprecated { get; set; }
        /// <summary>The dist-tags that point at this version (latest, next, ...).</summary>
        public string[] DistTags { get; set; } = Array.Empty<string>();
        /// <summary>dist.integrity (sha512-...).</summary>
        public string? Integrity { get; set; }
        /// <summary>dist.shasum (SHA-1 hex).</summary>
        public string? Shasum { get; set; }
        public string? Tarball { get; set; }
        /// <summary>The registry the document came from (without credentials); null when read from a file or stream.</summary>
        public string? Registry { get; set; }
        /// <summary>Fields of this entry that had the wrong type or an unreadable value (read as absent), in words.</summary>
        public string[] Problems { get; set; } = Array.Empty<string>();

        /// <summary>dist.signatures as listed (key id, base64 DER signature), for the signature check.</summary>
        internal IReadOnlyList<NpmRegistrySignatureEntry> Signatures { get; set; } = Array.Empty<NpmRegistrySignatureEntry>();

        /// <summary>The entry's position in the document's 'versions' (ties in publish order keep it).</summary>
        internal int Order { get; set; }

        /// <summary>
        /// The cryptographic result of each entry of <see cref="Signatures"/> against <see cref="PrecheckedWith"/> (null
        /// where no key of that set has the entry's id), computed while the document was still being read
        /// (<see cref="NpmSignaturePipeline"/>); the judgment itself (unknown key, expiry, list order) is made afterwards.
        /// </summary>
        internal bool?[]? PrecheckedSignatures { get; set; }
        internal NpmRegistryKeySet? PrecheckedWith { get; set; }

        /// <summary>The three markers, each read literally: approver, trusted publisher, provenance predicate.</summary>
        public bool IsStaged => Approver != null;
        public bool HasTrustedPublisher => TrustedPublisher != null;
        public bool HasProvenance => Provenance?.PredicateType != null;

        public override string ToString() => Package + "@" + Version + " (" + ReleasePath + (Publisher?.Key != null ? ", " + Publisher.Key : "") + ")";
    }

    /// <summary>One entry of dist.signatures.</summary>
    internal sealed class NpmRegistrySignatureEntry
    {
        public NpmRegistrySignatureEntry(string? keyId, string? signature) { KeyId = keyId; Signature = signature; }
        public string? KeyId { get; }
        public string? Signature { get; }
    }
}
