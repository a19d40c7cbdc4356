using System;
using System.Collections.Generic;

namespace NpmHardening.Engine.Platform
{
    /// <summary>
    /// The parent folders of the repositories a tree scan visits, held open (<see cref="UnixHeldFolder"/>) for the scan,
    /// so that each repository's root is opened from its parent's descriptor — the walk's last step, with its checks
    /// (<see cref="UnixHeldFolder.HoldBelow"/>) — instead of by a walk from the trusted-folder cache, which stats every
    /// folder of the chain by path, plus a realpath(3) of the root (about a dozen path lookups per repository). Whatever
    /// the parent cannot answer (a link, an entry someone else controls, a parent changed since it was opened, a parent
    /// that cannot be held) gives null, and the caller opens the repository by the full walk as before.
    /// Safe to use from several threads; a folder is closed only when no thread is using it.
    /// </summary>
    internal sealed class UnixHeldFolderCache : IDisposable
    {
        private readonly SystemPlatform _platform;
        private readonly int _capacity;
        private readonly object _gate = new object();
        private readonly Dictionary<string, Slot> _slots = new Dictionary<string, Slot>(StringComparer.Ordinal);
        private long _clock;
        private bool _disposed;

        private sealed class Slot
        {
            public Slot(UnixHeldFolder? folder) { Folder = folder; }
            public readonly UnixHeldFolder? Folder;
            public int Users;
            public long LastUse;
            public bool Evicted;
        }

        /// <param name="capacity">parents held at once; the least recently used one not in use is closed to make room</param>
        public UnixHeldFolderCache(SystemPlatform platform, int capacity = 32)
        {
            _platform = platform ?? throw new ArgumentNullException(nameof(platform));
            _capacity = Math.Max(1, capacity);
        }

        /// <summary>The folder <paramref name="name"/> (one component) of <paramref name="parent"/>, opened from the held
        /// parent and held (the caller disposes it); null when only the full walk can say.</summary>
        public UnixHeldFolder? HoldChild(string parent, string name)
        {
            if (string.IsNullOrEmpty(parent) || string.IsNullOrEmpty(name) || name == "." || name == ".." || name.IndexOf('/') >= 0) return null;
            Slot slot;
            lock (_gate)
            {
                if (_disposed) return null;
                if (!_slots.TryGetValue(parent, out slot!))
                {
                    if (_slots.Count >= _capacity) EvictLeastRecentlyUsed();
                    // opened under the lock: a tree scan meets a new parent rarely (once per organisation folder), and
                    // two workers must not both open it
                    slot = new Slot(_platform.HoldFolder(parent));
                    _slots[parent] = slot;
                }
                if (slot.Folder == null) return null;
                slot.Users++;
                slot.LastUse = ++_clock;
            }
            try { return slot.Folder.HoldBelow(name); }
            finally
            {
                lock (_gate)
                {
                    if (--slot.Users == 0 && (slot.Evicted || _disposed)) slot.Folder.Dispose();
                }
            }
        }

        private void EvictLeastRecentlyUsed()
        {
            string? oldest = null;
            long at = long.MaxValue;
            foreach (var kv in _slots)
                if (kv.Value.LastUse < at) { at = kv.Value.LastUse; oldest = kv.Key; }
            if (oldest == null) return;
            var slot = _slots[oldest];
            _slots.Remove(oldest);
            slot.Evicted = true;
            // one still in use is closed by its last user
            if (slot.Users == 0) slot.Folder?.Dispose();
        }

        public void Dispose()
        {
            lock (_gate)
            {
                if (_disposed) return;
                _disposed = true;
                foreach (var slot in _slots.Values)
                    if (slot.Users == 0) slot.Folder?.Dispose();
                _slots.Clear();
            }
        }
    }
}
