using System;
using System.Collections.Generic;

namespace NpmHardening.Engine.Platform
{
    /// <summary>One folder of a trusted chain: its path, what fstat said of it, and its ACL.</summary>
    internal sealed class UnixChainFolder
    {
        public UnixChainFolder(string path, UnixStat stat, IReadOnlyList<PosixAclEntry>? acl) { Path = path; Stat = stat; Acl = acl; }
        public string Path { get; }
        public UnixStat Stat { get; }
        public IReadOnlyList<PosixAclEntry>? Acl { get; }
    }

    /// <summary>
    /// Folders reached from "/" through folders only trusted accounts can change (no link, no other account's folder,
    /// nothing writable for a group or for everyone), kept open for a few seconds so that the many lookups of one audit
    /// (npm's walk up for package.json and node_modules, every layer's file) do not open "/", "/home"… again each time.
    /// Only a trusted account can change such a chain, so reusing the descriptor cannot be redirected by anyone else;
    /// each use still checks that every folder of the chain is the same object at the same path with the same change
    /// time (a trusted account may have moved, removed or opened one up), and what goes below it is walked afresh.
    /// </summary>
    internal static class UnixTrustedFolders
    {
        private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);
        private const int Capacity = 128;
        private static readonly object Gate = new object();
        private static readonly Dictionary<string, Entry> Folders = new Dictionary<string, Entry>(StringComparer.Ordinal);

        private sealed class Entry
        {
            public Entry(int fd, IReadOnlyList<UnixChainFolder> chain, DateTime expires) { Fd = fd; Chain = chain; Expires = expires; }
            public int Fd { get; }
            public IReadOnlyList<UnixChainFolder> Chain { get; }
            public DateTime Expires { get; }
        }

        /// <summary>A new descriptor of the cached folder at <paramref name="path"/> and its chain from "/"; false when not cached (or expired).</summary>
        public static bool TryOpen(string path, int flags, out int fd, out IReadOnlyList<UnixChainFolder> chain)
        {
            fd = -1;
            chain = Array.Empty<UnixChainFolder>();
            lock (Gate)
            {
                if (!Folders.TryGetValue(path, out var entry)) return false;
                // still the same folders at those paths, unchanged in owner, mode and ACL? (a trusted account may have
                // removed, renamed, replaced or opened up one of them since)
                if (entry.Expires <= DateTime.UtcNow || !Unchanged(entry.Chain))
                {
                    Folders.Remove(path);
                    UnixLibc.Close(entry.Fd);
                    return false;
                }
                fd = UnixLibc.OpenAt(entry.Fd, ".", flags);
                if (fd < 0) return false;
                chain = entry.Chain;
                return true;
            }
        }

        private static bool Unchanged(IReadOnlyList<UnixChainFolder> chain)
        {
            foreach (var folder in chain)
                if (!UnixLibc.Stat(folder.Path, false, out var now) || !now.SameObjectUnchanged(folder.Stat) || now.Links == 0) return false;
            return true;
        }

        /// <summary>Remembers the folder open at <paramref name="fd"/> (a copy of the descriptor is kept) with its chain,
        /// the <paramref name="steps"/> of the walk that reached it converted by <paramref name="toChain"/>. The conversion
        /// reads each folder's ACL, so it runs only once the folder is known to be stored (not when it is already).</summary>
        public static void Add<TStep>(string path, int fd, int flags, List<TStep> steps, Converter<TStep, UnixChainFolder> toChain)
        {
            lock (Gate)
            {
                var now = DateTime.UtcNow;
                if (Folders.TryGetValue(path, out var old))
                {
                    if (old.Expires > now) return;
                    Folders.Remove(path);
                    UnixLibc.Close(old.Fd);
                }
                if (Folders.Count >= Capacity) Prune(now);
                // still full of live entries (a scan of thousands of folders fills it within its lifetime): the oldest
                // goes, so that the folders in use now are the ones remembered (dropping one only costs a later walk)
                if (Folders.Count >= Capacity) EvictOldest();
                int copy = UnixLibc.OpenAt(fd, ".", flags);
                if (copy < 0) return;
                Folders[path] = new Entry(copy, steps.ConvertAll(toChain), now + Lifetime);
            }
        }

        private static void EvictOldest()
        {
            string? oldest = null;
            var expires = DateTime.MaxValue;
            foreach (var kv in Folders)
                if (kv.Value.Expires < expires) { expires = kv.Value.Expires; oldest = kv.Key; }
            if (oldest == null) return;
            UnixLibc.Close(Folders[oldest].Fd);
            Folders.Remove(oldest);
        }

        private static void Prune(DateTime now)
        {
            var expired = new List<string>();
            foreach (var kv in Folders) if (kv.Value.Expires <= now) expired.Add(kv.Key);
            foreach (var key in expired)
            {
                UnixLibc.Close(Folders[key].Fd);
                Folders.Remove(key);
            }
        }
    }
}
