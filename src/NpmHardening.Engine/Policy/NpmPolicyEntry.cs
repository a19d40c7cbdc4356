namespace NpmHardening.Engine.Policy
{
    /// <summary>One <c>Key = value</c> of a policy table, with the line of its key.</summary>
    public sealed class NpmPolicyEntry
    {
        public NpmPolicyEntry(string key, int line, NpmPolicyValue value)
        {
            Key = key; Line = line; Value = value;
        }

        public string Key { get; }
        public int Line { get; }
        public NpmPolicyValue Value { get; }

        public override string ToString() => $"{Key} = {Value}";
    }
}
