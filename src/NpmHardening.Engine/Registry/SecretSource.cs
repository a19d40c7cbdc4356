namespace NpmHardening.Engine.Registry
{
    /// <summary>
    /// What <see cref="SecretProvenance.Lookup"/> found for one variable: its value when it may be used, where it is
    /// defined, and why it may not be used. The value is a secret: never shown, never in ToString.
    /// </summary>
    public sealed class SecretSource
    {
        internal SecretSource(string? value, string? location, string? refusal)
        {
            Value = value; Location = location; Refusal = refusal;
        }

        /// <summary>The value, when it is the principal's own; null when undefined or refused.</summary>
        internal string? Value { get; }
        /// <summary>"env:NAME", "path:line" or the registry key that defines it; null when it is defined nowhere.</summary>
        public string? Location { get; }
        /// <summary>Why a definition that exists is not used; null when it is used or there is none.</summary>
        public string? Refusal { get; }
        public bool IsSet => Value != null;

        public override string ToString() => Location == null ? "(not defined)" : Refusal == null ? Location : $"{Location} (not used: {Refusal})";
    }
}
