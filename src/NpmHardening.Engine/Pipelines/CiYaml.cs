using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.CompilerServices;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace NpmHardening.Engine.Pipelines
{
    /// <summary>
    /// Parses a CI definition's YAML into <see cref="CiYamlNode"/> trees with YamlDotNet's event parser: anchors and
    /// aliases resolved (an alias is the anchored node itself, shared), merge keys (<c>&lt;&lt;</c>) applied, every node
    /// with its file and line. Everything a hostile file could use to hang or exhaust the scan is an error naming the
    /// file and line instead: aliases that expand past <see cref="MaxAliasExpansion"/> nodes (the "billion laughs"
    /// document), nesting deeper than <see cref="MaxDepth"/>, text longer than <see cref="MaxFileBytes"/>. Duplicate
    /// keys and tab indentation are errors too, as they are on the CI platforms themselves.
    /// </summary>
    /// <remarks>Only methods of this class touch YamlDotNet types, and only as locals: YamlDotNet.dll then loads the
    /// first time a YAML file is parsed, never at Import-Module (see <see cref="Warmup"/>, which reflects over static fields).</remarks>
    internal static class CiYaml
    {
        /// <summary>The largest CI file read (bytes on disk, characters once decoded). Real workflow files are a few KB;
        /// a generated Azure pipeline can reach a few hundred.</summary>
        public const int MaxFileBytes = 4 * 1024 * 1024;

        /// <summary>Deepest nesting of mappings and lists accepted.</summary>
        public const int MaxDepth = 64;

        /// <summary>Most nodes that aliases and merge keys may add to a document, counting each alias as the whole
        /// subtree it stands for. Large real GitLab files with templates stay well under 10,000.</summary>
        public const long MaxAliasExpansion = 500_000;

        /// <summary>The root of the first document of <paramref name="text"/>; null when it has none (empty or only comments).</summary>
        public static CiYamlNode? Parse(string file, string text)
        {
            var documents = ParseDocuments(file, text);
            return documents.Count == 0 ? null : documents[0];
        }

        /// <summary>Every document's root (null for an empty document), in order.</summary>
        public static IReadOnlyList<CiYamlNode?> ParseDocuments(string file, string text)
        {
            if (file == null) throw new ArgumentNullException(nameof(file));
            if (text == null) throw new ArgumentNullException(nameof(text));
            if (text.Length > MaxFileBytes)
                throw new CiDefinitionException(file, 0, "is larger than " + MaxFileBytes.ToString("N0", CultureInfo.InvariantCulture) + " characters; CI files are not read past that size.");
            return Build(file, text);
        }

        /// <summary>Reads <paramref name="relativePath"/> through the repository's safe reader and parses it; null when the
        /// file does not exist.</summary>
        public static CiYamlNode? Read(CiRepository repository, string relativePath)
        {
            if (repository == null) throw new ArgumentNullException(nameof(repository));
            var text = repository.ReadText(relativePath);
            return text == null ? null : Parse(relativePath, text);
        }

        // ---- building the tree from parser events -------------------------------------------------------------

        /// <summary>One mapping or list being built. Frames are reused (one per nesting depth of a thread's
        /// <see cref="State"/>): their lists are scratch space, copied at the exact size into the finished node, so that a
        /// file's thousands of collections cost neither a frame each nor the lists' growth copies.</summary>
        private sealed class Frame
        {
            public bool IsMapping;
            public int Line, Column;
            public string? Tag, Anchor;
            private readonly List<CiYamlNode> _items = new List<CiYamlNode>();
            private readonly List<CiYamlEntry> _entries = new List<CiYamlEntry>();
            private Dictionary<string, int>? _index;
            /// <summary>Merge-key values, in order: their keys are added after this mapping's own; null until one is met.</summary>
            public List<CiYamlNode>? Merges;
            public CiYamlScalar? PendingKey;
            public long Size;

            public Frame Start(bool isMapping, int line, int column, string? tag, string? anchor)
            {
                IsMapping = isMapping; Line = line; Column = column; Tag = tag; Anchor = anchor;
                _index = null; Merges = null; PendingKey = null; Size = 1;
                return this;
            }

            /// <summary>Whether the scratch lists grew past what is worth keeping for the next file.</summary>
            public bool Oversized => _items.Capacity > 256 || _entries.Capacity > 256;

            public void AddItem(CiYamlNode node) => _items.Add(node);

            /// <summary>The key index, made only once the mapping outgrows <see cref="CiYamlMapping.LinearKeys"/> keys
            /// (most CI mappings hold a few keys, where a scan of the list beats a dictionary's allocations).</summary>
            public Dictionary<string, int>? IndexOrNull => _index;

            public int Count => _entries.Count;
            public CiYamlEntry EntryAt(int i) => _entries[i];

            /// <summary>Where <paramref name="key"/> is among the entries so far; -1 when absent.</summary>
            public int IndexOf(string key) => CiYamlMapping.IndexOf(_entries, _index, key);

            public void Add(CiYamlEntry entry)
            {
                if (_index != null) _index[entry.Key] = _entries.Count;
                _entries.Add(entry);
                if (_index == null && _entries.Count > CiYamlMapping.LinearKeys)
                {
                    _index = new Dictionary<string, int>(_entries.Count * 2, StringComparer.Ordinal);
                    for (var i = 0; i < _entries.Count; i++) _index[_entries[i].Key] = i;
                }
            }

            /// <summary>The items at their exact count, for the finished list; the scratch list is emptied.</summary>
            public List<CiYamlNode> TakeItems()
            {
                var items = new List<CiYamlNode>(_items);
                _items.Clear();
                return items;
            }

            /// <summary>The entries at their exact count, for the finished mapping; the scratch list is emptied.</summary>
            public List<CiYamlEntry> TakeEntries()
            {
                var entries = new List<CiYamlEntry>(_entries);
                _entries.Clear();
                return entries;
            }

            /// <summary>Drops what a failed parse left, so that a reused frame holds no node of an earlier file.</summary>
            public void Clear()
            {
                _items.Clear(); _entries.Clear(); _index = null; Merges = null; PendingKey = null; Tag = null; Anchor = null;
            }
        }

        /// <summary>What a parse works with besides the tree: reused by the next parse on the same thread (a scan parses
        /// each of its thousands of files on one of its workers), emptied after each.</summary>
        private sealed class State
        {
            public string File = "";
            public readonly Dictionary<string, CiYamlNode> Anchors = new Dictionary<string, CiYamlNode>(StringComparer.Ordinal);
            private readonly List<Frame> _frames = new List<Frame>();
            public int Depth;
            public long Expanded;
            public CiYamlNode? Root;
            public bool HasRoot;

            public Frame Push(bool isMapping, int line, int column, string? tag, string? anchor)
            {
                if (Depth == _frames.Count) _frames.Add(new Frame());
                return _frames[Depth++].Start(isMapping, line, column, tag, anchor);
            }

            public Frame Peek() => _frames[Depth - 1];

            public Frame Pop() => _frames[--Depth];

            /// <summary>Empties everything for the next parse (also after a failed one); frames whose lists grew large
            /// for one file are dropped rather than kept.</summary>
            public void Reset()
            {
                File = "";
                Anchors.Clear();
                for (var i = 0; i < _frames.Count; i++)
                {
                    if (_frames[i].Oversized) _frames[i] = new Frame();
                    else _frames[i].Clear();
                }
                Depth = 0; Expanded = 0; Root = null; HasRoot = false;
            }
        }

        [ThreadStatic] private static State? t_state;

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static IReadOnlyList<CiYamlNode?> Build(string file, string text)
        {
            var documents = new List<CiYamlNode?>();
            // the thread's state is taken, not shared: a parse that somehow started another on this thread would make its own
            var state = t_state ?? new State();
            t_state = null;
            state.File = file;
            var parser = new Parser(new StringReader(text));
            try
            {
                while (parser.MoveNext())
                {
                    var current = parser.Current;
                    switch (current)
                    {
                        case DocumentStart _:
                            state.Anchors.Clear();
                            state.Root = null;
                            state.HasRoot = false;
                            break;
                        case DocumentEnd _:
                            documents.Add(state.HasRoot ? state.Root : null);
                            break;
                        case Scalar scalar:
                            {
                                var node = new CiYamlScalar(file, LineOf(scalar.Start), ColumnOf(scalar.Start), TagOf(scalar.Tag), scalar.Value, StyleOf(scalar.Style));
                                Complete(state, node, AnchorOf(scalar.Anchor));
                                break;
                            }
                        case AnchorAlias alias:
                            {
                                var name = alias.Value.IsEmpty ? "" : alias.Value.Value;
                                if (!state.Anchors.TryGetValue(name, out var target))
                                    throw new CiDefinitionException(file, LineOf(alias.Start),
                                        "the alias *" + name + " names no anchor defined before it (an alias cannot refer to a node that contains it).");
                                state.Expanded += target.ExpandedSize;
                                if (state.Expanded > MaxAliasExpansion) throw TooManyAliases(file, LineOf(alias.Start));
                                Complete(state, target, null);
                                break;
                            }
                        case MappingStart mapping:
                            Push(state, true, LineOf(mapping.Start), ColumnOf(mapping.Start), TagOf(mapping.Tag), AnchorOf(mapping.Anchor));
                            break;
                        case SequenceStart sequence:
                            Push(state, false, LineOf(sequence.Start), ColumnOf(sequence.Start), TagOf(sequence.Tag), AnchorOf(sequence.Anchor));
                            break;
                        case MappingEnd _:
                        case SequenceEnd _:
                            {
                                var frame = state.Pop();
                                var anchor = frame.Anchor;
                                Complete(state, frame.IsMapping ? FinishMapping(state, frame) : FinishSequence(file, frame), anchor);
                                break;
                            }
                    }
                }
            }
            catch (YamlException e)
            {
                var description = Describe(e);
                var line = LineOf(e.Start);
                // YamlDotNet marks a tab error at the mapping it interrupts; the reader has to fix the tab's own line
                if (description == TabMessage) line = FirstTabIndentedLine(text, line);
                throw new CiDefinitionException(file, line, description, e);
            }
            catch (Exception e) when (!(e is CiDefinitionException) && !(e is OutOfMemoryException) && !(e is StackOverflowException))
            {
                // YamlDotNet's scanner can also fail with InvalidOperationException and the like on some broken input
                // (an unterminated flow collection before a plain scalar); the message of such an exception says nothing
                // about the file, so the reader gets the place the parser had reached
                var line = 1;
                try { if (parser.Current != null) line = LineOf(parser.Current.End); }
                catch (Exception) { /* no position */ }
                throw new CiDefinitionException(file, line, "is not valid YAML: the parser stopped (" + e.GetType().Name + ").", e);
            }
            finally
            {
                state.Reset();
                t_state = state;
            }
            return documents;
        }

        private static void Push(State state, bool isMapping, int line, int column, string? tag, string? anchor)
        {
            if (state.Depth >= MaxDepth)
                throw new CiDefinitionException(state.File, line, "nests mappings and lists deeper than " + MaxDepth.ToString(CultureInfo.InvariantCulture) + " levels.");
            state.Push(isMapping, line, column, tag, anchor);
        }

        /// <summary>A finished node: register its anchor, then hand it to its parent (or make it the document's root).</summary>
        private static void Complete(State state, CiYamlNode node, string? anchor)
        {
            if (anchor != null) state.Anchors[anchor] = node;
            if (state.Depth == 0)
            {
                state.Root = node;
                state.HasRoot = true;
                return;
            }
            var parent = state.Peek();
            parent.Size = Saturate(parent.Size + node.ExpandedSize);
            if (!parent.IsMapping)
            {
                parent.AddItem(node);
                return;
            }
            if (parent.PendingKey == null)
            {
                if (!(node is CiYamlScalar key))
                    throw node.Fail("uses " + node.KindName + " as a mapping key; CI files use plain keys.");
                parent.PendingKey = key;
                return;
            }
            var keyNode = parent.PendingKey;
            parent.PendingKey = null;
            if (keyNode.Style == CiYamlScalarStyle.Plain && keyNode.Value == "<<" && (keyNode.Tag == null || keyNode.Tag == "tag:yaml.org,2002:merge"))
            {
                (parent.Merges ??= new List<CiYamlNode>()).Add(node);
                return;
            }
            var existing = parent.IndexOf(keyNode.Value);
            if (existing >= 0)
                throw keyNode.Fail("the key '" + keyNode.Value + "' appears twice in one mapping (first at line " +
                    parent.EntryAt(existing).Line.ToString(CultureInfo.InvariantCulture) + ").");
            parent.Add(new CiYamlEntry(keyNode, node));
        }

        private static CiYamlNode FinishSequence(string file, Frame frame) =>
            new CiYamlSequence(file, frame.Line, frame.Column, frame.Tag, frame.TakeItems()) { ExpandedSize = frame.Size };

        private static CiYamlNode FinishMapping(State state, Frame frame)
        {
            // YAML merge keys: the mapping's own keys win; among merged mappings, the earlier one wins.
            if (frame.Merges != null)
            {
                foreach (var merge in frame.Merges)
                {
                    if (merge is CiYamlMapping single) MergeInto(state, frame, single);
                    else if (merge is CiYamlSequence list)
                    {
                        foreach (var item in list)
                        {
                            if (!(item is CiYamlMapping m)) throw item.Fail("a merge key (<<) list may hold only mappings, not " + item.KindName + ".");
                            MergeInto(state, frame, m);
                        }
                    }
                    else throw merge.Fail("a merge key (<<) needs a mapping or a list of mappings, not " + merge.KindName + ".");
                }
            }
            var index = frame.IndexOrNull;
            return new CiYamlMapping(state.File, frame.Line, frame.Column, frame.Tag, frame.TakeEntries(), index) { ExpandedSize = frame.Size };
        }

        private static void MergeInto(State state, Frame frame, CiYamlMapping source)
        {
            foreach (var entry in source.Entries)
            {
                if (frame.IndexOf(entry.Key) >= 0) continue;
                // each merged key is a copy in this mapping: it counts against the bound like an alias does
                if (++state.Expanded > MaxAliasExpansion) throw TooManyAliases(state.File, frame.Line);
                frame.Add(entry);
            }
        }

        private static CiDefinitionException TooManyAliases(string file, int line) =>
            new CiDefinitionException(file, line, "its aliases and merge keys expand to more than " +
                MaxAliasExpansion.ToString("N0", CultureInfo.InvariantCulture) + " nodes (an alias bomb?); the file is not read.");

        private static long Saturate(long value) => value < 0 || value > long.MaxValue / 4 ? long.MaxValue / 4 : value;

        private static int LineOf(Mark mark) => (int)Math.Min(mark.Line, int.MaxValue);

        private static int ColumnOf(Mark mark) => (int)Math.Min(mark.Column, int.MaxValue);

        private static string? TagOf(TagName tag) => tag.IsEmpty || tag.IsNonSpecific ? null : tag.Value;

        private static string? AnchorOf(AnchorName anchor) => anchor.IsEmpty ? null : anchor.Value;

        private static CiYamlScalarStyle StyleOf(ScalarStyle style)
        {
            switch (style)
            {
                case ScalarStyle.SingleQuoted: return CiYamlScalarStyle.SingleQuoted;
                case ScalarStyle.DoubleQuoted: return CiYamlScalarStyle.DoubleQuoted;
                case ScalarStyle.Literal: return CiYamlScalarStyle.Literal;
                case ScalarStyle.Folded: return CiYamlScalarStyle.Folded;
                default: return CiYamlScalarStyle.Plain;
            }
        }

        private const string TabMessage = "is indented with a tab; YAML allows only spaces for indentation.";

        /// <summary>The first line at or after <paramref name="from"/> whose indentation holds a tab; <paramref name="from"/> when none.</summary>
        private static int FirstTabIndentedLine(string text, int from)
        {
            int line = 1, i = 0;
            while (i < text.Length)
            {
                if (line >= from)
                {
                    for (var j = i; j < text.Length && (text[j] == ' ' || text[j] == '\t'); j++)
                        if (text[j] == '\t') return line;
                }
                var next = text.IndexOf('\n', i);
                if (next < 0) break;
                i = next + 1;
                line++;
            }
            return from;
        }

        /// <summary>YamlDotNet's message without its "(Line: …) - (Line: …): " prefix (CiDefinitionException adds the
        /// file and line); YamlDotNet's messages name the construct, never the file's text.</summary>
        private static string Describe(YamlException e)
        {
            var message = e.Message ?? "";
            if (message.StartsWith("(", StringComparison.Ordinal))
            {
                var cut = message.IndexOf("): ", StringComparison.Ordinal);
                if (cut >= 0 && message.IndexOf(") - (", StringComparison.Ordinal) is int dash && dash >= 0 && dash < cut)
                    message = message.Substring(cut + 3);
            }
            if (message.IndexOf("tab", StringComparison.OrdinalIgnoreCase) >= 0 && message.IndexOf("indent", StringComparison.OrdinalIgnoreCase) >= 0)
                return TabMessage;
            message = message.Trim();
            if (message.Length == 0) message = "the YAML cannot be parsed.";
            return "is not valid YAML: " + message;
        }
    }
}
