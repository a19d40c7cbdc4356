namespace NpmHardening
{
    /// <summary>One user with access to a package (Get-NpmPackageCollaborator, <c>npm access list collaborators</c>).</summary>
    public sealed class NpmPackageCollaborator
    {
        public string Package { get; set; } = "";
        public string User { get; set; } = "";
        /// <summary>read-only or read-write, as npm prints them; an unknown registry word as it came.</summary>
        public string Permission { get; set; } = "";
        /// <summary>read-write: this user can publish (and, with a token, from anywhere unless the package disallows tokens).</summary>
        public bool CanPublish { get; set; }
        public string Registry { get; set; } = "";
        public override string ToString() => $"{User} ({Permission})";
    }
}
