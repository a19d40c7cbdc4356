namespace NpmHardening.Engine.Registry
{
    /// <summary>A reference resolved for an online check: the secret to send, or why nothing is sent. ToString never shows the secret.</summary>
    public sealed class ResolvedSecret
    {
        internal ResolvedSecret(string? secret, string? refusal)
        {
            Secret = secret; Refusal = refusal;
        }

        internal string? Secret { get; }
        /// <summary>Why the reference is not checked; null when it may be.</summary>
        public string? Refusal { get; }
        public bool MaySend => Secret != null;

        public override string ToString() => MaySend ? "may be sent" : "not checked: " + Refusal;
    }
}
