using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using NpmHardening.Engine.Js;

namespace NpmHardening.Engine.Tests.Agreement
{
    /// <summary>
    /// One generated npm configuration: a folder tree (fake HOME, fake PREFIX, project), an environment, a
    /// working directory and command-line options. Paths and contents hold <see cref="RootToken"/> where the
    /// temp folder goes, so a scenario prints (and replays) the same wherever it is materialized.
    /// </summary>
    public sealed class Scenario
    {
        public const string RootToken = "@ROOT@";

        /// <summary>The CsCheck PCG seed that regenerates exactly this scenario (NPMH_AGREEMENT_REPLAY).</summary>
        public string Seed { get; set; } = "";
        /// <summary>npm's working directory, relative to the root, '/'-separated.</summary>
        public string Cwd { get; set; } = "";
        /// <summary>Relative path → file content (text; a BOM or CRLF is part of the text).</summary>
        public SortedDictionary<string, string> Files { get; } = new SortedDictionary<string, string>(StringComparer.Ordinal);
        /// <summary>Relative folders to create (node_modules markers, nested working directories).</summary>
        public SortedSet<string> Dirs { get; } = new SortedSet<string>(StringComparer.Ordinal);
        /// <summary>Symbolic links to create: relative path → target (relative to the link's folder, or holding the root token).</summary>
        public SortedDictionary<string, string> Links { get; } = new SortedDictionary<string, string>(StringComparer.Ordinal);
        /// <summary>The whole environment npm runs with (PATH is added by the runner), in process order.</summary>
        public List<KeyValuePair<string, string>> Env { get; } = new List<KeyValuePair<string, string>>();
        /// <summary>Extra command-line options, both as npm's argv text and as the engine's typed override.</summary>
        public List<CliOption> Cli { get; } = new List<CliOption>();
        /// <summary>
        /// Index into <see cref="BuiltinTexts"/>: npm runs from a copy of the installed npm whose builtin
        /// <c>npmrc</c> holds that text (null: the installed npm, which has none).
        /// </summary>
        public int? Builtin { get; set; }

        /// <summary>
        /// Builtin npmrc files (shared by every scenario that picks one, so free of the root token: per-scenario
        /// paths come from ${HOME}, per-scenario values from the environment).
        /// </summary>
        public static readonly string[] BuiltinTexts =
        {
            "registry=https://builtin.example.com/\nstrict-ssl=false\nfetch-retries=9\nomit[]=dev\n",
            "prefix=${HOME}/../bprefix\nignore-scripts=true\n; builtin comment\ncache=~/builtin-cache\n",
            "\uFEFF//registry.example.com/:always-auth=true\r\n${NPMH_SCOPE}:registry=https://b.example.com/\r\nmin-release-age=${NPMH_NUM}\r\n",
            "userconfig=${HOME}/../alt/builtin-userrc\nglobalconfig=${HOME}/../alt/builtin-globalrc\nloglevel=warn\n",
        };

        /// <summary>What the generator exercised (for coverage statistics).</summary>
        public SortedSet<string> Features { get; } = new SortedSet<string>(StringComparer.Ordinal);

        /// <summary>What the shrinker removed to get this copy (null for a generated scenario).</summary>
        public string? Reduction { get; private set; }
        private Action<Scenario>? _reduce;

        public Scenario Clone()
        {
            var c = new Scenario { Seed = Seed, Cwd = Cwd, Builtin = Builtin };
            foreach (var f in Files) c.Files[f.Key] = f.Value;
            foreach (var d in Dirs) c.Dirs.Add(d);
            foreach (var l in Links) c.Links[l.Key] = l.Value;
            c.Env.AddRange(Env);
            c.Cli.AddRange(Cli);
            foreach (var f in Features) c.Features.Add(f);
            return c;
        }

        /// <summary>A copy changed by <paramref name="change"/> (which can be applied again to another scenario).</summary>
        public Scenario With(Action<Scenario> change, string reduction)
        {
            var c = Clone();
            change(c);
            c.Reduction = reduction;
            c._reduce = change;
            return c;
        }

        public Scenario ApplyReductionTo(Scenario other)
        {
            var c = other.Clone();
            _reduce?.Invoke(c);
            return c;
        }

        public static string Expand(string text, string root) => text.Replace(RootToken, root);

        /// <summary>Writes the tree under <paramref name="root"/> (which must not exist yet or be empty).</summary>
        public void Materialize(string root)
        {
            Directory.CreateDirectory(root);
            foreach (var d in Dirs) Directory.CreateDirectory(Path.Combine(root, d));
            var utf8 = new UTF8Encoding(false);
            bool ThroughLink(string path) => Links.Keys.Any(l => path.StartsWith(l + "/", StringComparison.Ordinal));
            void Write(KeyValuePair<string, string> f)
            {
                var full = Path.Combine(root, f.Key);
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                File.WriteAllText(full, Expand(f.Value, root), utf8);
            }
            // files first (links usually point at them), then the links, then whatever lives behind a link
            foreach (var f in Files) if (!ThroughLink(f.Key)) Write(f);
            foreach (var l in Links)
            {
                var link = Path.Combine(root, l.Key);
                Directory.CreateDirectory(Path.GetDirectoryName(link)!);
                File.CreateSymbolicLink(link, Expand(l.Value, root));
            }
            Directory.CreateDirectory(Path.Combine(root, Cwd));
            foreach (var f in Files) if (ThroughLink(f.Key)) Write(f);
        }

        public Dictionary<string, string> ExpandedEnv(string root, string pathVariable)
        {
            var env = new Dictionary<string, string>(StringComparer.Ordinal) { ["PATH"] = pathVariable };
            foreach (var kv in Env) env[kv.Key] = Expand(kv.Value, root);
            return env;
        }

        public string Describe(bool withSeed = true)
        {
            var sb = new StringBuilder();
            if (withSeed) sb.Append("  seed ").Append(Seed).Append("   (replay: NPMH_AGREEMENT_REPLAY=").Append(Seed).Append(")\n");
            sb.Append("  cwd  ").Append(RootToken).Append('/').Append(Cwd).Append('\n');
            sb.Append("  env  ").Append(string.Join(" ", Env.Select(kv => kv.Key + "=" + Quote(kv.Value)))).Append('\n');
            if (Builtin is int b) sb.Append("  builtin <npm>/npmrc = ").Append(Js.Js.ToJson(BuiltinTexts[b])).Append(" (a copy of npm)\n");
            if (Cli.Count > 0) sb.Append("  argv config ls -l --json ").Append(string.Join(" ", Cli.Select(c => c.Arg))).Append('\n');
            if (Dirs.Count > 0) sb.Append("  dirs ").Append(string.Join(" ", Dirs)).Append('\n');
            foreach (var l in Links) sb.Append("  link ").Append(l.Key).Append(" -> ").Append(l.Value).Append('\n');
            foreach (var f in Files)
                sb.Append("  file ").Append(f.Key).Append(" = ").Append(Js.Js.ToJson(f.Value)).Append('\n');
            return sb.ToString();
        }

        private static string Quote(string s) =>
            s.Length > 0 && s.All(c => char.IsLetterOrDigit(c) || "@/._-:+,=~".IndexOf(c) >= 0) ? s : Js.Js.ToJson(s);
    }

    /// <summary>A command-line option: <c>--key=value</c> for npm, the same typed value for the engine.</summary>
    public sealed class CliOption
    {
        public CliOption(string arg, string key, object? value) { Arg = arg; Key = key; Value = value; }
        public string Arg { get; }
        public string Key { get; }
        /// <summary>string (may hold the root token), double, bool or List&lt;object?&gt;.</summary>
        public object? Value { get; }

        public object? ExpandedValue(string root) => Value switch
        {
            string s => Scenario.Expand(s, root),
            List<object?> list => list.Select(v => v is string s ? (object?)Scenario.Expand(s, root) : v).ToList(),
            _ => Value,
        };
    }
}
