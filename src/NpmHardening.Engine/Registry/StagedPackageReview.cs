namespace NpmHardening.Engine.Registry
{
    /// <summary>Where the cmdlet layer finds the reviewer (the lead wires Compare-NpmStagedPackage's engine here).</summary>
    public static class StagedPackageReview
    {
        /// <summary>Null: no review is available yet.</summary>
        public static IStagedPackageReviewer? Reviewer { get; set; }
    }
}
