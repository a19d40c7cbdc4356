namespace NpmHardening.Engine.Releases
{
    /// <summary>A name and e-mail from a package document (_npmUser, its approver, a maintainer).</summary>
    public sealed class NpmReleaseIdentity
    {
        public string? Name { get; set; }
        public string? Email { get; set; }

        /// <summary>The name, else the e-mail: what identifies a publisher across versions.</summary>
        public string? Key => !string.IsNullOrEmpty(Name) ? Name : Email;

        public override string ToString() => (Name ?? "") + (string.IsNullOrEmpty(Email) ? "" : (string.IsNullOrEmpty(Name) ? "" : " ") + "<" + Email + ">");
    }
}
