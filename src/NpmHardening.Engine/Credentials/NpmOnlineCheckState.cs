namespace NpmHardening
{
    /// <summary>What <c>Test-NpmrcToken -Online</c> did with one credential (null on the finding without -Online).</summary>
    public enum NpmOnlineCheckState
    {
        /// <summary>The registry answered: Valid says whether it accepts the token.</summary>
        Checked,
        /// <summary>A request was made but gave no answer about the token (network, TLS, timeout, HTTP error).</summary>
        Failed,
        /// <summary>
        /// Not sent: the key is not one npm ever uses, or the registry is reached over plain http to another machine, or
        /// the registry URL does not name the key's host.
        /// </summary>
        Refused,
        /// <summary>
        /// A <c>${VAR}</c> reference whose value may not be sent: it would come from an environment that is not the audited
        /// account's own, or go to a host someone else chose (see about_NpmHardening, ONLINE CHECKS). A state, not an error.
        /// </summary>
        ReferenceNotChecked,
        /// <summary>Online checks do not cover it: not a bearer token, not scoped to a registry, a placeholder, or a line npm does not apply.</summary>
        NotApplicable,
    }
}
