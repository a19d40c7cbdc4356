namespace NpmHardening.Engine.Platform
{
    /// <summary>One name in a folder listing, with the kind of the entry itself (readdir withFileTypes).</summary>
    public sealed class DirectoryEntry
    {
        public DirectoryEntry(string name, FileEntryKind kind) { Name = name; Kind = kind; }
        public string Name { get; }
        public FileEntryKind Kind { get; }
        public override string ToString() => Name;
    }
}
