namespace NpmHardening.Engine.Config
{
    /// <summary>
    /// What <c>${VAR}</c> references may still add in one source (see <see cref="NpmrcLimits.MaxExpansionCharsPerSource"/>).
    /// One budget per file or environment being loaded.
    /// </summary>
    public sealed class ExpansionBudget
    {
        public ExpansionBudget(long characters = NpmrcLimits.MaxExpansionCharsPerSource) { Remaining = characters; }

        public long Remaining { get; private set; }

        internal void Spend(long characters)
        {
            if (characters <= 0) return;
            if (characters > Remaining)
                throw new NpmrcLimitException(NpmrcLimit.Expansion, null,
                    $"has ${{VAR}} references that expand to more than {NpmrcLimits.MaxExpansionCharsPerSource / (1 << 20)} Mi characters in all (the limit)");
            Remaining -= characters;
        }
    }
}
