using System.Collections.Generic;

namespace NpmHardening
{
    /// <summary>npm's config layers, lowest priority first (the order npm's Config class keeps them).</summary>
    public enum NpmConfigLayer
    {
        Default,
        Builtin,
        Global,
        User,
        Project,
        Env,
        Cli,
    }
}

namespace NpmHardening.Engine.Config
{
    /// <summary>One key as one layer sets it.</summary>
    public sealed class NpmConfigValue
    {
        internal NpmConfigValue(string key, object? value, object? rawValue, NpmConfigLayer layer, string? source, int? line, string? variable)
        {
            Key = key; Value = value; RawValue = rawValue; Layer = layer; Source = source; Line = line; EnvironmentVariable = variable;
        }

        /// <summary>The key after <c>${VAR}</c> expansion, as npm stores it.</summary>
        public string Key { get; }
        /// <summary>The typed JS value (bool, double, string, List&lt;object?&gt;, null, JsUndefined, JsObject, JsDate).</summary>
        public object? Value { get; }
        /// <summary>The value as the file or variable held it, before typing and expansion.</summary>
        public object? RawValue { get; }
        public NpmConfigLayer Layer { get; }
        /// <summary>File path, "environment", "command line" or "default values".</summary>
        public string? Source { get; }
        /// <summary>The line of the assignment npm uses (the last one), for file layers.</summary>
        public int? Line { get; }
        /// <summary>The environment variable for the env layer.</summary>
        public string? EnvironmentVariable { get; }
    }

    /// <summary>One layer as loaded: where it came from and what it sets.</summary>
    public sealed class NpmConfigLayerData
    {
        private readonly Dictionary<string, NpmConfigValue> _values = new Dictionary<string, NpmConfigValue>(System.StringComparer.Ordinal);
        private readonly List<string> _order = new List<string>();

        internal NpmConfigLayerData(NpmConfigLayer layer) { Layer = layer; }

        public NpmConfigLayer Layer { get; }
        /// <summary>The file npm reads for this layer (or tried to), or a description such as "environment".</summary>
        public string? Source { get; internal set; }
        /// <summary>True when npm read this layer's source (the file existed and was readable).</summary>
        public bool Loaded { get; internal set; }
        /// <summary>Why npm does not read this layer (global mode, same file as the user config, …).</summary>
        public string? SkipReason { get; internal set; }
        public NpmrcDocument? Document { get; internal set; }
        /// <summary>Accounts other than the trusted ones that could have written this layer's file (its owner, writers, and whoever controls its path).</summary>
        public IReadOnlyList<NpmHardening.Engine.Platform.FilePrincipal> ControlledBy { get; internal set; } = System.Array.Empty<NpmHardening.Engine.Platform.FilePrincipal>();
        public IEnumerable<string> Keys => _order;
        public int Count => _order.Count;

        public bool TryGet(string key, out NpmConfigValue value) => _values.TryGetValue(key, out value!);
        public bool Contains(string key) => _values.ContainsKey(key);

        /// <summary>Forgets every value (a source beyond NpmrcLimits is not audited at all).</summary>
        internal void Clear()
        {
            _values.Clear();
            _order.Clear();
        }

        internal void Set(NpmConfigValue value)
        {
            if (!_values.ContainsKey(value.Key)) _order.Add(value.Key);
            _values[value.Key] = value;
        }
    }
}
