namespace NpmHardening.Engine.Registry
{
    /// <summary>What a review concluded: whether approval should stop, and why.</summary>
    public sealed class StagedPackageVerdict
    {
        public StagedPackageVerdict(bool blocksApproval, string[] reasons)
        {
            BlocksApproval = blocksApproval;
            Reasons = reasons ?? System.Array.Empty<string>();
        }

        /// <summary>True when the review found High (or worse) risk.</summary>
        public bool BlocksApproval { get; }
        public string[] Reasons { get; }
    }
}
