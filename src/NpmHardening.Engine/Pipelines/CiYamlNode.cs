using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;

namespace NpmHardening.Engine.Pipelines
{
    // The YAML tree CI readers work on, built by CiYaml from YamlDotNet's parser events. These types deliberately hold
    // nothing of YamlDotNet: the engine's warm-up reflects over every type's static fields at Import-Module, and a field
    // typed from YamlDotNet would load it there (start-up cost is measured). Aliases are resolved to the anchored node
    // itself (shared, not copied), merge keys (<<) are applied, and every node keeps the file and line it was written at.

    internal enum CiYamlScalarStyle
    {
        Plain,
        SingleQuoted,
        DoubleQuoted,
        /// <summary><c>|</c> block: line breaks kept; the text starts on the line after the indicator.</summary>
        Literal,
        /// <summary><c>&gt;</c> block: line breaks folded; the text starts on the line after the indicator.</summary>
        Folded,
    }

    internal abstract class CiYamlNode
    {
        protected CiYamlNode(string file, int line, int column, string? tag)
        {
            File = file; Line = line; Column = column; Tag = tag;
        }

        /// <summary>Path of the file the node was written in, relative to the repository root, '/' separators.</summary>
        public string File { get; }
        /// <summary>1-based line of the node's first character (for a block scalar, the line of its <c>|</c> or <c>&gt;</c>).</summary>
        public int Line { get; }
        public int Column { get; }
        /// <summary>An explicit tag as written (<c>!reference</c>), or null.</summary>
        public string? Tag { get; }

        public CiSource Source => new CiSource(File, Line);

        /// <summary>Nodes this one stands for with every alias expanded (itself included), saturating; what the expansion
        /// bound counts.</summary>
        internal long ExpandedSize { get; set; } = 1;

        /// <summary>A scalar's value; null for a null scalar, a mapping or a sequence.</summary>
        public virtual string? ScalarValue => null;

        /// <summary>An error at this node: the message names the file and line.</summary>
        public CiDefinitionException Fail(string reason) => new CiDefinitionException(File, Line, reason);

        public abstract string KindName { get; }
    }

    internal sealed class CiYamlScalar : CiYamlNode
    {
        public CiYamlScalar(string file, int line, int column, string? tag, string value, CiYamlScalarStyle style)
            : base(file, line, column, tag)
        {
            Value = value; Style = style;
        }

        /// <summary>The value after YAML's unescaping and folding; "" for an empty or null scalar.</summary>
        public string Value { get; }
        public CiYamlScalarStyle Style { get; }

        /// <summary>A plain <c>~</c>, <c>null</c> or nothing at all (<c>key:</c>): YAML's null.</summary>
        public bool IsNull => Style == CiYamlScalarStyle.Plain && Tag == null &&
            (Value.Length == 0 || Value == "~" || Value == "null" || Value == "Null" || Value == "NULL");

        public override string? ScalarValue => IsNull ? null : Value;

        /// <summary>Line of the value's first text line: the line after the indicator for block scalars.</summary>
        public int ContentLine => Style == CiYamlScalarStyle.Literal || Style == CiYamlScalarStyle.Folded ? Line + 1 : Line;

        /// <summary>The YAML 1.2 core schema boolean (<c>true</c>/<c>false</c> in three casings) of a plain scalar, else null.</summary>
        public bool? Boolean
        {
            get
            {
                if (Style != CiYamlScalarStyle.Plain) return null;
                switch (Value)
                {
                    case "true": case "True": case "TRUE": return true;
                    case "false": case "False": case "FALSE": return false;
                    default: return null;
                }
            }
        }

        public override string KindName => "a value";
        public override string ToString() => Value;
    }

    internal sealed class CiYamlSequence : CiYamlNode, IReadOnlyList<CiYamlNode>
    {
        private readonly List<CiYamlNode> _items;

        public CiYamlSequence(string file, int line, int column, string? tag, List<CiYamlNode> items)
            : base(file, line, column, tag)
        {
            _items = items;
        }

        public int Count => _items.Count;
        public CiYamlNode this[int index] => _items[index];
        public IEnumerator<CiYamlNode> GetEnumerator() => _items.GetEnumerator();
        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string KindName => "a list";
        public override string ToString() => "[" + Count.ToString(CultureInfo.InvariantCulture) + " items]";
    }

    /// <summary>One key of a mapping: the key as text and as the node it was written as (for its line).</summary>
    internal readonly struct CiYamlEntry
    {
        public CiYamlEntry(CiYamlScalar key, CiYamlNode value) { KeyNode = key; Value = value; }
        public CiYamlScalar KeyNode { get; }
        public string Key => KeyNode.Value;
        public CiYamlNode Value { get; }
        /// <summary>Line of the key (where a reviewer looks for "the env: block" or "the job").</summary>
        public int Line => KeyNode.Line;
    }

    /// <summary>A mapping with merge keys applied: its own keys first (in written order), then keys merged in that it
    /// did not set itself. Keys are unique (a duplicate is a parse error).</summary>
    internal sealed class CiYamlMapping : CiYamlNode
    {
        /// <summary>Mappings of up to this many keys are searched in order instead of through a dictionary: a scan of a
        /// tree builds one mapping per job, step and block, nearly all of a few keys, and the dictionaries were a tenth
        /// of what a scan allocated.</summary>
        internal const int LinearKeys = 8;

        private readonly List<CiYamlEntry> _entries;
        private readonly Dictionary<string, int>? _index;

        /// <param name="index">the position of each key in <paramref name="entries"/>; may be null for a mapping of at
        /// most <see cref="LinearKeys"/> keys (a longer one without it is indexed here)</param>
        public CiYamlMapping(string file, int line, int column, string? tag, List<CiYamlEntry> entries, Dictionary<string, int>? index)
            : base(file, line, column, tag)
        {
            _entries = entries;
            if (index == null && entries.Count > LinearKeys)
            {
                index = new Dictionary<string, int>(entries.Count, StringComparer.Ordinal);
                for (var i = 0; i < entries.Count; i++) index[entries[i].Key] = i;
            }
            _index = index;
        }

        /// <summary>The position of <paramref name="key"/> (ordinal) in <paramref name="entries"/>, through
        /// <paramref name="index"/> when there is one; -1 when absent.</summary>
        internal static int IndexOf(List<CiYamlEntry>? entries, Dictionary<string, int>? index, string key)
        {
            if (index != null) return index.TryGetValue(key, out var at) ? at : -1;
            if (entries == null) return -1;
            for (var i = 0; i < entries.Count; i++)
                if (string.Equals(entries[i].Key, key, StringComparison.Ordinal)) return i;
            return -1;
        }

        public IReadOnlyList<CiYamlEntry> Entries => _entries;
        public int Count => _entries.Count;
        public IEnumerable<string> Keys { get { foreach (var e in _entries) yield return e.Key; } }

        public bool ContainsKey(string key) => IndexOf(_entries, _index, key) >= 0;

        /// <summary>The value at <paramref name="key"/> (any kind, a null scalar included), or null when the key is absent.</summary>
        public CiYamlNode? Get(string key) => IndexOf(_entries, _index, key) is var i && i >= 0 ? _entries[i].Value : null;

        /// <summary>The entry at <paramref name="key"/>, for the key's own line.</summary>
        public CiYamlEntry? Entry(string key) => IndexOf(_entries, _index, key) is var i && i >= 0 ? _entries[i] : (CiYamlEntry?)null;

        /// <summary>The mapping at <paramref name="key"/>; null when absent or null (<c>key:</c>); an error naming the line
        /// when it is another kind.</summary>
        public CiYamlMapping? Mapping(string key) => Expect<CiYamlMapping>(key, "a mapping (key: value lines)");

        /// <summary>The list at <paramref name="key"/>; null when absent or null; an error when it is another kind.</summary>
        public CiYamlSequence? Sequence(string key) => Expect<CiYamlSequence>(key, "a list");

        /// <summary>The scalar's text at <paramref name="key"/>; null when absent, null, or not a scalar (no error: many CI
        /// keys accept a value or a structure, and the caller that needs the structure asks for it).</summary>
        public string? Text(string key) => Get(key)?.ScalarValue;

        /// <summary>The scalar node at <paramref name="key"/>, or null when absent or not a scalar.</summary>
        public CiYamlScalar? Scalar(string key) => Get(key) as CiYamlScalar;

        /// <summary>"One or many": the items of a list, a single non-null value as a list of one, nothing when absent or null.</summary>
        public IReadOnlyList<CiYamlNode> List(string key)
        {
            var node = Get(key);
            if (node == null || node is CiYamlScalar s && s.IsNull) return Array.Empty<CiYamlNode>();
            if (node is CiYamlSequence seq) return seq;
            return new[] { node };
        }

        private T? Expect<T>(string key, string what) where T : CiYamlNode
        {
            var node = Get(key);
            if (node == null || node is CiYamlScalar s && s.IsNull) return null;
            if (node is T t) return t;
            throw node.Fail("'" + key + "' must be " + what + ", not " + node.KindName + ".");
        }

        public override string KindName => "a mapping";
        public override string ToString() => "{" + Count.ToString(CultureInfo.InvariantCulture) + " keys}";
    }
}
