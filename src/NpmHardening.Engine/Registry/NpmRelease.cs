using System;

namespace NpmHardening.Engine.Registry
{
    /// <summary>How a published version reached the registry, read from its packument entry (_npmUser).</summary>
    public enum NpmReleaseKind
    {
        /// <summary>_npmUser.trustedPublisher without approver: published directly through OIDC.</summary>
        TrustedPublisher,
        /// <summary>_npmUser.approver: staged, then approved with a second factor (through OIDC or not).</summary>
        StagedAndApproved,
        /// <summary>Neither marker: a token or a logged-in session published it.</summary>
        Token,
    }

    /// <summary>One published version as the trusted publishing audit reads it.</summary>
    public sealed class NpmRelease
    {
        public string Version { get; set; } = "";
        public DateTimeOffset? Published { get; set; }
        public string? Publisher { get; set; }
        public NpmReleaseKind Kind { get; set; }
        public override string ToString() => $"{Version} ({Kind}{(Publisher != null ? ", " + Publisher : "")})";
    }
}
