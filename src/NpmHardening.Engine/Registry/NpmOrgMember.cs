namespace NpmHardening
{
    /// <summary>One member of an organisation and its role (Get-NpmOrgMember, <c>npm org ls</c>).</summary>
    public sealed class NpmOrgMember
    {
        public string Org { get; set; } = "";
        public string User { get; set; } = "";
        /// <summary>developer, admin or owner (the registry's word).</summary>
        public string Role { get; set; } = "";
        public string Registry { get; set; } = "";
        public override string ToString() => $"{User} - {Role}";
    }
}
