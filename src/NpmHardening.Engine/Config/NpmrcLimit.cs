namespace NpmHardening.Engine.Config
{
    /// <summary>Which of <see cref="NpmrcLimits"/> a source went beyond.</summary>
    public enum NpmrcLimit
    {
        FileSize,
        Lines,
        Settings,
        LineLength,
        Nesting,
        Expansion,
    }
}
