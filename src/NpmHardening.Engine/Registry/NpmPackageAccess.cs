namespace NpmHardening
{
    /// <summary>
    /// A package's access settings (Get-NpmPackageAccess; Set-NpmPackageAccess -PassThru). The registry offers no endpoint
    /// that reads the two-factor policy back (<c>npm access</c> has no <c>get mfa</c>), so <see cref="TwoFactorPolicy"/> is
    /// Unknown unless this object comes from the Set-NpmPackageAccess call that set it.
    /// </summary>
    public sealed class NpmPackageAccess
    {
        public string Package { get; set; } = "";
        /// <summary>Public, Restricted, or Unknown when not read (or the answer had no 'public' flag).</summary>
        public string Visibility { get; set; } = "Unknown";
        public NpmPackageCollaborator[] Collaborators { get; set; } = new NpmPackageCollaborator[0];
        /// <summary>The collaborators who can publish (read-write).</summary>
        public string[] Publishers { get; set; } = new string[0];
        /// <summary>
        /// Unknown (the registry cannot be asked), or what Set-NpmPackageAccess just set: None, RequireTwoFactor (tokens
        /// may still publish: npm's mfa=automation), RequireTwoFactorDisallowTokens (npm's mfa=publish).
        /// </summary>
        public string TwoFactorPolicy { get; set; } = "Unknown";
        /// <summary>Where <see cref="TwoFactorPolicy"/> comes from: NotReadable, or SetByThisCommand.</summary>
        public string TwoFactorPolicySource { get; set; } = "NotReadable";
        public string Registry { get; set; } = "";
        public override string ToString() => $"{Package}: {Visibility}, 2FA policy {TwoFactorPolicy}";
    }
}
