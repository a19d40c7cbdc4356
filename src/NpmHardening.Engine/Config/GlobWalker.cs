using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using NpmHardening.Engine.Platform;

namespace NpmHardening.Engine.Config
{
    /// <summary>
    /// The folder walk of glob 13 (with path-scurry 2) for the options @npmcli/map-workspaces passes: relative
    /// results, dot files excluded, symbolic links not followed by <c>**</c> (except glob's one-level allowance
    /// for a <c>**</c> that is not the first portion), an ignore list, case-insensitive names on Windows and
    /// macOS. A port of glob's Processor/GlobWalker/Ignore and the parts of path-scurry they rely on (the
    /// entry cache, provisional children for literal portions, lstat for entries of unknown type). Every
    /// filesystem question goes through <see cref="IPlatform"/>.
    /// </summary>
    internal sealed class GlobWalker
    {
        /// <summary>Folders listed before the walk gives up (npm has no limit; the module stays bounded).</summary>
        public const int MaxListedFolders = 20_000;

        private readonly IPlatform _platform;
        private readonly bool _nocase;
        private readonly Node _cwd;
        private readonly Ignore? _ignore;
        private readonly HashSet<Node> _seen = new HashSet<Node>();
        private readonly List<string> _results = new List<string>();
        private int _listed;

        private GlobWalker(IPlatform platform, string cwd, bool nocase, IEnumerable<string> ignore, bool isWindows)
        {
            _platform = platform;
            _nocase = nocase;
            _cwd = Node.CreateCwd(platform, cwd, nocase);
            var list = ignore.ToList();
            if (list.Count > 0) _ignore = new Ignore(list, nocase, isWindows);
        }

        /// <summary>Thrown when the walk would list more than <see cref="MaxListedFolders"/> folders.</summary>
        public sealed class TooLargeException : Exception
        {
            public TooLargeException() : base($"the workspace patterns cover more than {MaxListedFolders:N0} folders") { }
        }

        /// <summary>glob(patterns, { cwd, ignore }): the matching paths, relative to cwd, in walk order.</summary>
        public static List<string> Glob(IPlatform platform, string cwd, IReadOnlyList<string> patterns, IEnumerable<string> ignore)
        {
            bool windows = platform.IsWindows;
            // glob's default: case-insensitive on win32 and darwin (path-scurry's platform scurry)
            bool nocase = windows || IsMac();
            var walker = new GlobWalker(platform, cwd, nocase, ignore, windows);
            var options = new MinimatchOptions
            {
                Dot = false, NoCase = nocase, NoCaseMagicOnly = nocase, NoComment = true, NoNegate = true,
                OptimizationLevel = 2, IsWindows = windows, BraceExpandMax = 10_000,
            };
            var compiled = new List<Pattern>();
            foreach (var p in patterns)
            {
                var mm = new Minimatch(p, options);
                for (int i = 0; i < mm.Set.Count; i++) compiled.Add(new Pattern(mm.Set[i], mm.GlobParts[i], 0));
            }
            walker.Walk(walker._cwd, compiled, new Processor(walker));
            return walker._results;
        }

        private static bool IsMac() =>
            System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.OSX);

        // ---- the walk (walkCB2Sync / walkCB3Sync) -----------------------------------------------------------

        private void Walk(Node target, List<Pattern> patterns, Processor processor)
        {
            if (_ignore != null && _ignore.ChildrenIgnored(target)) return;
            processor.ProcessPatterns(target, patterns);
            foreach (var (m, absolute, ifDir) in processor.Matches.Entries())
            {
                if (IsIgnored(m)) continue;
                MatchCheck(m, absolute, ifDir);
            }
            foreach (var t in processor.SubWalks.Keys())
            {
                var children = t.Readdir(this);
                WalkChildren(t, children, processor);
            }
        }

        private void WalkChildren(Node target, List<Node> entries, Processor processor)
        {
            processor = processor.FilterEntries(target, entries);
            foreach (var (m, absolute, ifDir) in processor.Matches.Entries())
            {
                if (IsIgnored(m)) continue;
                MatchCheck(m, absolute, ifDir);
            }
            foreach (var (t, subPatterns) in processor.SubWalks.Entries())
                Walk(t, subPatterns, processor.Child());
        }

        internal void CountListing()
        {
            if (++_listed > MaxListedFolders) throw new TooLargeException();
        }

        private bool IsIgnored(Node n) => _seen.Contains(n) || (_ignore != null && _ignore.Ignored(n));

        private void MatchCheck(Node e, bool absolute, bool ifDir)
        {
            var s = e.IsUnknown ? e.Lstat() : e;
            if (s == null) return;
            if (ifDir && !s.CanReaddir) return;
            if (IsIgnored(s)) return;
            _seen.Add(s);
            if (absolute) { _results.Add(s.FullPath); return; }
            var rel = s.Relative();
            _results.Add(rel.Length == 0 ? "." : rel);
        }

        // ---- path-scurry's entries -------------------------------------------------------------------------

        private enum Kind { Unknown, Directory, Link, File }

        internal sealed class Node
        {
            private readonly IPlatform _platform;
            private readonly bool _nocase;
            private readonly string _matchName;
            private readonly List<Node> _children = new List<Node>();
            private int _provisional; // _children[_provisional..] were created by name and not confirmed by a listing
            private Kind _kind;
            private bool _enoent, _enotdir, _readdirCalled;
            private string? _relative;
            private readonly char _sep;

            private Node(IPlatform platform, string name, Node? parent, string fullPath, Kind kind, bool nocase)
            {
                _platform = platform;
                Name = name;
                Parent = parent;
                FullPath = fullPath;
                _kind = kind;
                _nocase = nocase;
                _sep = platform.IsWindows ? '\\' : '/';
                _matchName = Normalize(name, nocase);
                if (kind != Kind.Directory && kind != Kind.Link && kind != Kind.Unknown) _enotdir = true;
            }

            public string Name { get; }
            public Node? Parent { get; }
            public string FullPath { get; }
            public bool IsCwd { get; private set; }
            public bool IsUnknown => _kind == Kind.Unknown;
            public bool IsSymbolicLink => _kind == Kind.Link;
            public bool IsEnoent => _enoent;
            public bool CanReaddir => !_enoent && !_enotdir && (_kind == Kind.Unknown || _kind == Kind.Directory || _kind == Kind.Link);

            private static string Normalize(string name, bool nocase) =>
                (nocase ? Js.JsCase.ToLowerCase(name) : name).Normalize(NormalizationForm.FormKD);

            public bool IsNamed(string n) => _matchName == Normalize(n, _nocase);

            /// <summary>The cwd and its ancestors, each ancestor's relative path being "..", "../..", ….</summary>
            public static Node CreateCwd(IPlatform platform, string cwd, bool nocase)
            {
                var path = platform.Path;
                var chain = new List<string>();
                for (var dir = cwd; ; )
                {
                    chain.Add(dir);
                    var parent = path.Dirname(dir);
                    if (parent == dir) break;
                    dir = parent;
                }
                chain.Reverse();
                var root = new Node(platform, chain[0], null, chain[0], Kind.Unknown, nocase) { _relative = chain[0] };
                var node = root;
                for (int i = 1; i < chain.Count; i++)
                {
                    var name = chain[i].Substring(chain[i - 1].Length).TrimStart(path.Separator, '/');
                    var child = new Node(platform, name, node, chain[i], Kind.Unknown, nocase)
                        { _relative = Dots(chain.Count - 1 - i, platform.IsWindows) };
                    node._children.Add(child);
                    node = child;
                }
                node.IsCwd = true;
                return node;
            }

            private static string Dots(int n, bool windows) => string.Join(windows ? "\\" : "/", Enumerable.Repeat("..", n));

            public string Relative()
            {
                if (IsCwd) return "";
                if (_relative != null) return _relative;
                if (Parent == null) return _relative = Name;
                var pv = Parent.Relative();
                return _relative = pv + (pv.Length == 0 || Parent.Parent == null ? "" : _sep.ToString()) + Name;
            }

            /// <summary>Path.resolve for one portion: '' and '.' are this, '..' the parent, else a (provisional) child.</summary>
            public Node Resolve(string part)
            {
                if (part.Length == 0 || part == ".") return this;
                if (part == "..") return Parent ?? this;
                var name = Normalize(part, _nocase);
                foreach (var c in _children) if (c._matchName == name) return c;
                var child = new Node(_platform, part, this, ChildPath(part), Kind.Unknown, _nocase);
                if (!CanReaddir) child._enoent = true;
                _children.Add(child);
                return child;
            }

            /// <summary>This folder's path joined with a name (a root such as "/" already ends with the separator).</summary>
            private string ChildPath(string name) =>
                FullPath + (FullPath.EndsWith(_sep.ToString(), StringComparison.Ordinal) ? "" : _sep.ToString()) + name;

            public Node? Lstat()
            {
                if (_enoent) return null;
                var kind = _platform.GetEntryKind(FullPath);
                switch (kind)
                {
                    case FileEntryKind.Missing: MarkEnoent(); return null;
                    case FileEntryKind.Directory: _kind = Kind.Directory; break;
                    case FileEntryKind.SymbolicLink: _kind = Kind.Link; break;
                    default: _kind = Kind.File; _enotdir = true; break;
                }
                return this;
            }

            private void MarkEnoent()
            {
                if (_enoent) return;
                _enoent = true;
                _kind = Kind.Unknown;
                foreach (var c in _children) c.MarkEnoent();
                _provisional = 0;
            }

            public List<Node> Readdir(GlobWalker walker)
            {
                if (!CanReaddir) return new List<Node>();
                if (_readdirCalled) return _children.Take(_provisional).ToList();
                walker.CountListing();
                var entries = _platform.ListDirectory(FullPath);
                if (entries == null)
                {
                    // ENOENT / ENOTDIR: nothing can be below; other errors: the children stay unknown
                    if (_platform.GetEntryKind(FullPath) == FileEntryKind.Missing) MarkEnoent();
                    return new List<Node>();
                }
                var confirmed = new List<Node>();
                var provisional = _children.ToList();
                foreach (var e in entries)
                {
                    var kind = e.Kind == FileEntryKind.Directory ? Kind.Directory : e.Kind == FileEntryKind.SymbolicLink ? Kind.Link : Kind.File;
                    var name = Normalize(e.Name, _nocase);
                    var existing = provisional.FirstOrDefault(p => p._matchName == name);
                    if (existing != null)
                    {
                        provisional.Remove(existing);
                        existing._kind = kind;
                        if (kind == Kind.File) existing._enotdir = true;
                        confirmed.Add(existing);
                    }
                    else confirmed.Add(new Node(_platform, e.Name, this, ChildPath(e.Name), kind, _nocase));
                }
                foreach (var p in provisional) p.MarkEnoent();
                _children.Clear();
                _children.AddRange(confirmed);
                _children.AddRange(provisional);
                _provisional = confirmed.Count;
                _readdirCalled = true;
                return confirmed.ToList();
            }
        }

        // ---- glob's Pattern --------------------------------------------------------------------------------

        private sealed class Pattern
        {
            private readonly List<object> _parts;
            private readonly List<string> _globs;
            private readonly int _index;
            private Pattern? _rest;
            private bool _restComputed;
            private string? _globString;
            private bool _followGlobstar = true;

            public Pattern(List<object> parts, List<string> globs, int index)
            {
                _parts = parts; _globs = globs; _index = index;
                if (index == 0 && IsAbsolutePattern(parts))
                {
                    // "/a/b" → ["/", "a", "b"]: the root portion carries its slash
                    var p = new List<object>(parts);
                    var g = new List<string>(globs);
                    p.RemoveAt(0); g.RemoveAt(0);
                    if (p.Count > 0 && p[0] is string s0 && s0.Length == 0) { p.RemoveAt(0); g.RemoveAt(0); }
                    p.Insert(0, "/"); g.Insert(0, "/");
                    _parts = p; _globs = g;
                }
                Length = _parts.Count;
            }

            private static bool IsAbsolutePattern(List<object> parts) => parts.Count > 1 && parts[0] is string s && s.Length == 0;

            public int Length { get; }
            public object Current => _parts[_index];
            public bool IsGlobstar => _parts[_index] is GlobStar;
            public bool HasMore => Length > _index + 1;
            public bool IsAbsolute => _index == 0 ? _parts[0] is string s && s == "/" : _absolute;
            private bool _absolute;

            public string Root => _index == 0 && _parts[0] is string s && s == "/" ? "/" : "";

            public string GlobString => _globString ??= _index == 0
                ? (IsAbsolute ? _globs[0] + string.Join("/", _globs.Skip(1)) : string.Join("/", _globs))
                : string.Join("/", _globs.Skip(_index));

            public Pattern? Rest()
            {
                if (_restComputed) return _rest;
                _restComputed = true;
                if (!HasMore) return null;
                _rest = new Pattern(_parts, _globs, _index + 1) { _absolute = IsAbsolute };
                return _rest;
            }

            public bool CheckFollowGlobstar() => !(_index == 0 || !IsGlobstar || !_followGlobstar);

            public bool MarkFollowGlobstar()
            {
                if (_index == 0 || !IsGlobstar || !_followGlobstar) return false;
                _followGlobstar = false;
                return true;
            }
        }

        // ---- glob's Processor ------------------------------------------------------------------------------

        /// <summary>Matches of one step; a target added twice keeps a flag only when every addition set it.</summary>
        private sealed class MatchRecord
        {
            private readonly Dictionary<Node, (bool Absolute, bool IfDir)> _store = new Dictionary<Node, (bool, bool)>();
            private readonly List<Node> _order = new List<Node>();
            public void Add(Node target, bool absolute, bool ifDir)
            {
                if (_store.TryGetValue(target, out var current)) _store[target] = (absolute && current.Absolute, ifDir && current.IfDir);
                else { _store[target] = (absolute, ifDir); _order.Add(target); }
            }
            public List<(Node, bool, bool)> Entries() => _order.Select(n => (n, _store[n].Absolute, _store[n].IfDir)).ToList();
        }

        private sealed class SubWalks
        {
            private readonly Dictionary<Node, List<Pattern>> _store = new Dictionary<Node, List<Pattern>>();
            private readonly List<Node> _order = new List<Node>();
            public void Add(Node target, Pattern pattern)
            {
                if (!target.CanReaddir) return;
                if (_store.TryGetValue(target, out var subs))
                {
                    if (!subs.Any(p => p.GlobString == pattern.GlobString)) subs.Add(pattern);
                }
                else { _store[target] = new List<Pattern> { pattern }; _order.Add(target); }
            }
            public List<Pattern> Get(Node target) => _store[target];
            public List<Node> Keys() => _order.Where(t => t.CanReaddir).ToList();
            public List<(Node, List<Pattern>)> Entries() => Keys().Select(k => (k, _store[k])).ToList();
        }

        private sealed class Processor
        {
            private readonly GlobWalker _walker;
            private readonly Dictionary<string, HashSet<string>> _walked;
            public MatchRecord Matches { get; } = new MatchRecord();
            public SubWalks SubWalks { get; } = new SubWalks();

            public Processor(GlobWalker walker, Dictionary<string, HashSet<string>>? walked = null)
            {
                _walker = walker;
                _walked = walked == null ? new Dictionary<string, HashSet<string>>(StringComparer.Ordinal)
                    : walked.ToDictionary(kv => kv.Key, kv => new HashSet<string>(kv.Value, StringComparer.Ordinal), StringComparer.Ordinal);
            }

            private bool HasWalked(Node target, Pattern pattern) => _walked.TryGetValue(target.FullPath, out var s) && s.Contains(pattern.GlobString);

            private void StoreWalked(Node target, Pattern pattern)
            {
                if (!_walked.TryGetValue(target.FullPath, out var s)) _walked[target.FullPath] = s = new HashSet<string>(StringComparer.Ordinal);
                s.Add(pattern.GlobString);
            }

            public void ProcessPatterns(Node target, List<Pattern> patterns)
            {
                foreach (var original in patterns)
                {
                    var t = target;
                    var pattern = original;
                    StoreWalked(t, pattern);
                    bool absolute = pattern.IsAbsolute;
                    var root = pattern.Root;
                    if (root.Length > 0)
                    {
                        t = RootOf(t);
                        var rest = pattern.Rest();
                        if (rest == null) { Matches.Add(t, absolute, false); continue; }
                        pattern = rest;
                    }
                    if (t.IsEnoent) continue;
                    bool changed = false;
                    Pattern? r;
                    while (pattern.Current is string literal && (r = pattern.Rest()) != null)
                    {
                        t = t.Resolve(literal);
                        pattern = r;
                        changed = true;
                    }
                    var p = pattern.Current;
                    var restPattern = pattern.Rest();
                    if (changed)
                    {
                        if (HasWalked(t, pattern)) continue;
                        StoreWalked(t, pattern);
                    }
                    if (p is string s)
                    {
                        bool ifDir = s == ".." || s.Length == 0 || s == ".";
                        Matches.Add(t.Resolve(s), absolute, ifDir);
                        continue;
                    }
                    if (p is GlobStar)
                    {
                        if (!t.IsSymbolicLink || pattern.CheckFollowGlobstar()) SubWalks.Add(t, pattern);
                        var rp = restPattern?.Current;
                        var rrest = restPattern?.Rest();
                        if (restPattern == null || ((rp is string rs && (rs.Length == 0 || rs == ".")) && rrest == null))
                            Matches.Add(t, absolute, rp is string rs2 && (rs2.Length == 0 || rs2 == "."));
                        else if (rp is string dd && dd == "..")
                        {
                            var tp = t.Parent ?? t;
                            if (rrest == null) Matches.Add(tp, absolute, true);
                            else if (!HasWalked(tp, rrest)) SubWalks.Add(tp, rrest);
                        }
                        continue;
                    }
                    SubWalks.Add(t, pattern); // a regular expression portion: list the folder
                }
            }

            private static Node RootOf(Node n)
            {
                while (n.Parent != null) n = n.Parent;
                return n;
            }

            public Processor Child() => new Processor(_walker, _walked);

            public Processor FilterEntries(Node parent, List<Node> entries)
            {
                var patterns = SubWalks.Get(parent);
                var results = Child();
                foreach (var e in entries)
                    foreach (var pattern in patterns)
                    {
                        var p = pattern.Current;
                        var rest = pattern.Rest();
                        bool absolute = pattern.IsAbsolute;
                        if (p is GlobStar) results.TestGlobstar(e, pattern, rest, absolute);
                        else if (p is MagicPart magic) results.TestRegExp(e, magic, rest, absolute);
                        else results.TestString(e, (string)p, rest, absolute);
                    }
                return results;
            }

            private void TestGlobstar(Node e, Pattern pattern, Pattern? rest, bool absolute)
            {
                if (!e.Name.StartsWith(".", StringComparison.Ordinal))
                {
                    if (!pattern.HasMore) Matches.Add(e, absolute, false);
                    if (e.CanReaddir)
                    {
                        if (!e.IsSymbolicLink) SubWalks.Add(e, pattern);
                        else if (rest != null && pattern.CheckFollowGlobstar()) SubWalks.Add(e, rest);
                        else if (pattern.MarkFollowGlobstar()) SubWalks.Add(e, pattern);
                    }
                }
                if (rest != null)
                {
                    var rp = rest.Current;
                    if (rp is string s && s != ".." && s.Length != 0 && s != ".") TestString(e, s, rest.Rest(), absolute);
                    else if (rp is string dd && dd == "..") SubWalks.Add(e.Parent ?? e, rest);
                    else if (rp is MagicPart magic) TestRegExp(e, magic, rest.Rest(), absolute);
                }
            }

            private void TestRegExp(Node e, MagicPart p, Pattern? rest, bool absolute)
            {
                if (!p.Test(e.Name)) return;
                if (rest == null) Matches.Add(e, absolute, false);
                else SubWalks.Add(e, rest);
            }

            private void TestString(Node e, string p, Pattern? rest, bool absolute)
            {
                if (!e.IsNamed(p)) return;
                if (rest == null) Matches.Add(e, absolute, false);
                else SubWalks.Add(e, rest);
            }
        }

        // ---- glob's Ignore ---------------------------------------------------------------------------------

        private sealed class Ignore
        {
            private readonly List<Minimatch> _relative = new List<Minimatch>();
            private readonly List<Minimatch> _relativeChildren = new List<Minimatch>();
            private readonly List<Minimatch> _absolute = new List<Minimatch>();
            private readonly List<Minimatch> _absoluteChildren = new List<Minimatch>();

            public Ignore(IEnumerable<string> ignored, bool nocase, bool windows)
            {
                var options = new MinimatchOptions { Dot = true, NoCase = nocase, OptimizationLevel = 2, IsWindows = windows, NoComment = true, NoNegate = true };
                foreach (var ign in ignored)
                {
                    var mm = new Minimatch(ign, options);
                    for (int i = 0; i < mm.Set.Count; i++)
                    {
                        var parsed = new List<object>(mm.Set[i]);
                        var globParts = new List<string>(mm.GlobParts[i]);
                        while (parsed.Count > 0 && parsed[0] is string d && d == "." && globParts[0] == ".") { parsed.RemoveAt(0); globParts.RemoveAt(0); }
                        if (parsed.Count == 0) continue;
                        var p = new Pattern(parsed, globParts, 0);
                        var m = new Minimatch(p.GlobString, options);
                        bool children = globParts[globParts.Count - 1] == "**";
                        bool absolute = p.IsAbsolute;
                        (absolute ? _absolute : _relative).Add(m);
                        if (children) (absolute ? _absoluteChildren : _relativeChildren).Add(m);
                    }
                }
            }

            public bool Ignored(Node p)
            {
                var fullpath = p.FullPath;
                var relative = p.Relative();
                if (relative.Length == 0) relative = ".";
                foreach (var m in _relative) if (m.Match(relative) || m.Match(relative + "/")) return true;
                foreach (var m in _absolute) if (m.Match(fullpath) || m.Match(fullpath + "/")) return true;
                return false;
            }

            public bool ChildrenIgnored(Node p)
            {
                var fullpath = p.FullPath + "/";
                var rel = p.Relative();
                var relative = (rel.Length == 0 ? "." : rel) + "/";
                foreach (var m in _relativeChildren) if (m.Match(relative)) return true;
                foreach (var m in _absoluteChildren) if (m.Match(fullpath)) return true;
                return false;
            }
        }
    }
}
