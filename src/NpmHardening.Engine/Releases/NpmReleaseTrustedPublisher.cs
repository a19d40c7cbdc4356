namespace NpmHardening.Engine.Releases
{
    /// <summary>_npmUser.trustedPublisher: the OIDC provider (id, e.g. "github") and the trust configuration (oidcConfigId).</summary>
    public sealed class NpmReleaseTrustedPublisher
    {
        public string? Provider { get; set; }
        public string? OidcConfigId { get; set; }

        public override string ToString() => (Provider ?? "?") + (string.IsNullOrEmpty(OidcConfigId) ? "" : " " + OidcConfigId);
    }
}
