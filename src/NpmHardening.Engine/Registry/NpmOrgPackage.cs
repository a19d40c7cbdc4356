namespace NpmHardening
{
    /// <summary>One package of an organisation (or user) scope with the access the organisation has to it (Get-NpmOrgPackage).</summary>
    public sealed class NpmOrgPackage
    {
        public string Org { get; set; } = "";
        public string Package { get; set; } = "";
        /// <summary>read-only or read-write, as <c>npm access list packages</c> prints them; an unknown registry word as it came.</summary>
        public string Permission { get; set; } = "";
        /// <summary>The list came from the user endpoint (/-/user/{name}/package) because the name is not an organisation, as npm falls back.</summary>
        public bool FromUserScope { get; set; }
        public string Registry { get; set; } = "";
        public override string ToString() => $"{Package} ({Permission})";
    }
}
