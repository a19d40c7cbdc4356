namespace NpmHardening.Engine.Lockfiles
{
    /// <summary>One risk signal on a lockfile change: a catalog rule and the sentence that says why it applies.</summary>
    internal sealed class LockfileSignal
    {
        public LockfileSignal(string ruleId, string reason)
        {
            RuleId = ruleId;
            Reason = reason;
        }

        public string RuleId { get; }
        public string Reason { get; }
    }
}
