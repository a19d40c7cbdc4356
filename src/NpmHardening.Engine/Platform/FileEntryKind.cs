namespace NpmHardening.Engine.Platform
{
    /// <summary>What lstat reports for a path: the entry itself, a symbolic link (or junction) not followed.</summary>
    public enum FileEntryKind
    {
        Missing,
        File,
        Directory,
        SymbolicLink,
    }
}
