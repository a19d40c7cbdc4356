namespace NpmHardening.Engine.Platform
{
    /// <summary>
    /// A file's bytes together with the owner and permissions of the very file they were read from (one open handle),
    /// so a link or a rename swapped in between cannot give one file's content another file's owner.
    /// </summary>
    public sealed class OwnedFile
    {
        internal OwnedFile(string path, byte[] bytes, FileAccessInfo? access, string? ownerSid)
        {
            Path = path; Bytes = bytes; Access = access; OwnerSid = ownerSid;
        }

        public string Path { get; }
        public byte[] Bytes { get; }
        /// <summary>Owner and who else can read or write it; null when the platform could not tell (then nobody owns it here).</summary>
        public FileAccessInfo? Access { get; }
        /// <summary>The owner SID on Windows, read from the handle; null elsewhere.</summary>
        public string? OwnerSid { get; }
        public string? Owner => Access?.Owner;

        /// <summary>Owner name, or "an unknown owner", for messages.</summary>
        public string OwnerText => Owner ?? OwnerSid ?? "an unknown owner";
    }
}
