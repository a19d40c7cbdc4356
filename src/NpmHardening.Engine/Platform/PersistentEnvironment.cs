using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace NpmHardening.Engine.Platform
{
    /// <summary>
    /// Environment variables defined persistently, for the machine or for one user. Values may be secrets:
    /// nothing here logs, formats or throws with them; they are handed to the rules for classification only.
    /// </summary>
    /// <remarks>
    /// <para><b>Windows</b> (registry through <see cref="WindowsRegistry"/>): Machine =
    /// HKLM\SYSTEM\CurrentControlSet\Control\Session Manager\Environment; User = HKCU\Environment for the
    /// current user (and for a SID-less profile whose folder is the current user's), else
    /// HKU\&lt;SID&gt;\Environment, which exists only while that user's hive is loaded (signed in, or a
    /// service running as them): nothing is returned otherwise, hives are never loaded. Values are returned unexpanded
    /// (REG_EXPAND_SZ keeps its %VAR% references), as stored.</para>
    /// <para><b>Unix</b>: Machine = /etc/environment and /etc/environment.d/*.conf (KEY=value), and the
    /// system-wide shell start-up files (/etc/profile, /etc/profile.d/*.sh, bash.bashrc/bashrc, zshenv,
    /// zprofile, zshrc, fish config). User = the files the user's shells read from their home folder:
    /// ~/.profile, ~/.bash_profile, ~/.bash_login, ~/.bashrc, ~/.zshenv, ~/.zprofile, ~/.zshrc, ~/.zlogin,
    /// ~/.config/fish/config.fish, ~/.config/fish/conf.d/*.fish, ~/.config/fish/fish_variables (where
    /// <c>set -Ux</c> persists) and ~/.config/environment.d/*.conf. Shell files are not executed: every
    /// assignment a shell would make is reported with its 1-based line, also inside if-blocks and
    /// for one command (<c>NPM_TOKEN=… npm publish</c>), because a secret written in a start-up file is
    /// exposed whether or not the line runs.</para>
    /// </remarks>
    internal static class PersistentEnvironment
    {
        private const string MachineKey = @"SYSTEM\CurrentControlSet\Control\Session Manager\Environment";
        private const long MaxFileBytes = 1 << 20;

        /// <summary>
        /// Bounds on one scope's start-up files (a user's, or the machine's), which the user controls for their own scope
        /// and which are read for every profile of an -AllUsers run: a real ~/.bashrc is a few KB and a conf.d folder holds
        /// a handful of files. Without them a folder of many 1 MiB files of <c>a=b;</c> made one profile's audit take
        /// seconds and gigabytes per file. Beyond them the scope is an error (<see cref="PersistentEnvironmentLimitException"/>).
        /// </summary>
        internal const int MaxFilesPerFolder = 256;
        internal const long MaxScopeBytes = 4L << 20;
        internal const int MaxScopeVariables = 100_000;

        /// <exception cref="PersistentEnvironmentLimitException">The scope's start-up files exceed the bounds above.</exception>
        public static IEnumerable<PersistentVariable> Read(SystemPlatform platform, EnvironmentScope scope, UserProfileInfo? user)
        {
            try
            {
                return platform.IsWindows ? ReadWindows(platform, scope, user) : ReadUnix(platform, scope, user);
            }
            catch (Exception e) when (FileAccessReader.IsProbeFailure(e) && !(e is PersistentEnvironmentLimitException))
            {
                return Array.Empty<PersistentVariable>();
            }
        }

        // ---------------------------------------------------------------- Windows

        private static List<PersistentVariable> ReadWindows(SystemPlatform platform, EnvironmentScope scope, UserProfileInfo? user)
        {
            var list = new List<PersistentVariable>();
            IntPtr root; string subKey, location;
            if (scope == EnvironmentScope.Machine)
            {
                root = WindowsRegistry.LocalMachine; subKey = MachineKey; location = @"HKLM\" + MachineKey;
            }
            else if (user == null || (string.IsNullOrEmpty(user.SecurityId) && IsCurrentProfile(platform, user)))
            {
                root = WindowsRegistry.CurrentUser; subKey = "Environment"; location = @"HKCU\Environment";
            }
            else if (!string.IsNullOrEmpty(user.SecurityId) && user.SecurityId!.StartsWith("S-1-", StringComparison.OrdinalIgnoreCase)
                     && user.SecurityId.IndexOf('\\') < 0)
            {
                root = WindowsRegistry.Users; subKey = user.SecurityId + @"\Environment"; location = @"HKU\" + subKey;
            }
            else return list;

            var values = WindowsRegistry.GetStringValues(root, subKey);
            if (values == null) return list;
            foreach (var kv in values) list.Add(new PersistentVariable(kv.Key, kv.Value, scope, location, null));
            return list;
        }

        /// <summary>A profile found without a SID (folder fallback) that is the current user's own.</summary>
        private static bool IsCurrentProfile(SystemPlatform platform, UserProfileInfo user)
        {
            var home = platform.OsHomeDirectory;
            return !string.IsNullOrEmpty(home)
                   && string.Equals(home!.TrimEnd('\\'), user.HomeDirectory.TrimEnd('\\'), StringComparison.OrdinalIgnoreCase);
        }

        // ---------------------------------------------------------------- Unix

        internal enum SourceKind { EnvironmentFile, Shell, Fish, FishVariables }

        /// <summary>A start-up file to read and how to parse it. A class rather than a KeyValuePair over the enum: a List
        /// of such pairs is a framework generic over a value type, which no ReadyToRun image holds, so every fresh
        /// process JIT-compiled its methods on the first audit (issue 10 F).</summary>
        internal sealed class StartupFile
        {
            public StartupFile(string path, SourceKind kind) { Path = path; Kind = kind; }
            public string Path { get; }
            public SourceKind Kind { get; }
        }

        private static List<PersistentVariable> ReadUnix(SystemPlatform platform, EnvironmentScope scope, UserProfileInfo? user)
        {
            var list = new List<PersistentVariable>();
            List<StartupFile> files;
            if (scope == EnvironmentScope.Machine) files = MachineFiles();
            else
            {
                var home = user?.HomeDirectory ?? platform.OsHomeDirectory;
                if (string.IsNullOrEmpty(home)) return list;
                files = UserFiles(home!);
            }
            long bytes = 0;
            foreach (var file in files)
            {
                if (!platform.FileExists(file.Path)) continue; // most candidates are absent: a stat, not an exception
                var r = platform.ReadFile(file.Path, MaxFileBytes);
                if (r.Status != FileReadStatus.Ok || r.Bytes == null) continue;
                bytes += r.Bytes.Length;
                if (bytes > MaxScopeBytes)
                    throw new PersistentEnvironmentLimitException($"the {scope} start-up files hold more than {MaxScopeBytes:N0} bytes (at {file.Path}); none of their variables were used.");
                list.AddRange(Parse(Decode(r.Bytes), file.Kind, scope, file.Path));
                if (list.Count > MaxScopeVariables)
                    throw new PersistentEnvironmentLimitException($"the {scope} start-up files make more than {MaxScopeVariables:N0} assignments (at {file.Path}); none of their variables were used.");
            }
            return list;
        }

        private static string Decode(byte[] bytes)
        {
            int start = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0;
            return new UTF8Encoding(false).GetString(bytes, start, bytes.Length - start);
        }

        private static List<StartupFile> MachineFiles()
        {
            var files = new List<StartupFile>();
            void Add(string path, SourceKind kind) => files.Add(new StartupFile(path, kind));
            Add("/etc/environment", SourceKind.EnvironmentFile);
            AddGlob(files, "/etc/environment.d", ".conf", SourceKind.EnvironmentFile);
            Add("/etc/profile", SourceKind.Shell);
            AddGlob(files, "/etc/profile.d", ".sh", SourceKind.Shell);
            foreach (var f in new[] { "/etc/bash.bashrc", "/etc/bashrc", "/etc/zshenv", "/etc/zsh/zshenv", "/etc/zprofile",
                                      "/etc/zsh/zprofile", "/etc/zshrc", "/etc/zsh/zshrc" })
                Add(f, SourceKind.Shell);
            Add("/etc/fish/config.fish", SourceKind.Fish);
            AddGlob(files, "/etc/fish/conf.d", ".fish", SourceKind.Fish);
            return files;
        }

        /// <summary>The start-up files of a home folder, in the order shells read them; globs expanded.</summary>
        internal static List<StartupFile> UserFiles(string home)
        {
            var h = home.Length > 1 ? home.TrimEnd('/') : home;
            string P(string rel) => h == "/" ? "/" + rel : h + "/" + rel;
            var files = new List<StartupFile>();
            foreach (var f in new[] { ".profile", ".bash_profile", ".bash_login", ".bashrc", ".zshenv", ".zprofile", ".zshrc", ".zlogin" })
                files.Add(new StartupFile(P(f), SourceKind.Shell));
            files.Add(new StartupFile(P(".config/fish/config.fish"), SourceKind.Fish));
            AddGlob(files, P(".config/fish/conf.d"), ".fish", SourceKind.Fish);
            files.Add(new StartupFile(P(".config/fish/fish_variables"), SourceKind.FishVariables));
            AddGlob(files, P(".config/environment.d"), ".conf", SourceKind.EnvironmentFile);
            return files;
        }

        private static void AddGlob(List<StartupFile> files, string directory, string extension, SourceKind kind)
        {
            try
            {
                if (!Directory.Exists(directory)) return;
                var found = new List<string>();
                foreach (var f in Directory.EnumerateFiles(directory))
                {
                    if (!f.EndsWith(extension, StringComparison.Ordinal)) continue;
                    if (found.Count == MaxFilesPerFolder)
                        throw new PersistentEnvironmentLimitException($"{directory} holds more than {MaxFilesPerFolder} *{extension} files; none of the scope's variables were used.");
                    found.Add(f);
                }
                found.Sort(StringComparer.Ordinal);
                foreach (var f in found) files.Add(new StartupFile(f, kind));
            }
            catch (Exception e) when (FileAccessReader.IsProbeFailure(e) && !(e is PersistentEnvironmentLimitException)) { }
        }

        /// <summary>Dispatches to the parser for a kind of file.</summary>
        internal static List<PersistentVariable> Parse(string text, SourceKind kind, EnvironmentScope scope, string location)
        {
            switch (kind)
            {
                case SourceKind.EnvironmentFile: return ParseEnvironmentFile(text, scope, location);
                case SourceKind.Fish: return ParseFish(text, scope, location);
                case SourceKind.FishVariables: return ParseFishVariables(text, scope, location);
                default: return ParseShell(text, scope, location);
            }
        }

        // ---------------------------------------------------------------- parsers (pure)

        /// <summary>
        /// pam_env's /etc/environment and systemd's environment.d: <c>KEY=value</c> lines, an optional
        /// <c>export </c> prefix, one pair of surrounding quotes removed, <c>#</c> comment lines.
        /// </summary>
        public static List<PersistentVariable> ParseEnvironmentFile(string text, EnvironmentScope scope, string location)
        {
            var list = new List<PersistentVariable>();
            int lineNo = 0;
            foreach (var raw in Lines(text))
            {
                lineNo++;
                var line = raw.Trim();
                if (line.Length == 0 || line[0] == '#') continue;
                if (line.StartsWith("export", StringComparison.Ordinal) && line.Length > 6 && (line[6] == ' ' || line[6] == '\t'))
                    line = line.Substring(7).TrimStart();
                int eq = line.IndexOf('=');
                if (eq <= 0) continue;
                var name = line.Substring(0, eq).TrimEnd();
                if (!IsName(name)) continue;
                var value = line.Substring(eq + 1).Trim();
                if (value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[value.Length - 1] == value[0])
                    value = value.Substring(1, value.Length - 2);
                list.Add(new PersistentVariable(name, value, scope, location, lineNo));
            }
            return list;
        }

        /// <summary>
        /// sh, bash and zsh: <c>NAME=value</c> (also several, and before a command), <c>export</c>,
        /// <c>declare</c>, <c>typeset</c> and <c>readonly</c> with assignments, in every statement of a line
        /// (<c>;</c>, <c>&amp;&amp;</c>, <c>||</c>, <c>then</c>, <c>do</c>…). Quotes are removed and escapes
        /// decoded; <c>$(…)</c>, <c>${…}</c> and backticks are kept as written (never run).
        /// </summary>
        public static List<PersistentVariable> ParseShell(string text, EnvironmentScope scope, string location)
        {
            var list = new List<PersistentVariable>();
            int lineNo = 0;
            foreach (var line in Lines(text))
            {
                lineNo++;
                if (line.IndexOf('=') < 0) continue; // no assignment possible: most lines of a start-up file
                foreach (var statement in Statements(ShellLexer.Words(line, fish: false)))
                    ShellStatement(statement, false, scope, location, lineNo, list);
            }
            return list;
        }

        /// <summary>
        /// fish: <c>set [-g|-U|-x|…] NAME value…</c> (list values joined by spaces; erase, query and show
        /// forms skipped), fish's <c>export NAME=value</c>, and <c>NAME=value command</c>.
        /// </summary>
        public static List<PersistentVariable> ParseFish(string text, EnvironmentScope scope, string location)
        {
            var list = new List<PersistentVariable>();
            int lineNo = 0;
            foreach (var line in Lines(text))
            {
                lineNo++;
                if (line.IndexOf('=') < 0 && line.IndexOf("set", StringComparison.Ordinal) < 0) continue;
                foreach (var words in Statements(ShellLexer.Words(line, fish: true)))
                {
                    if (words.Count > 0 && words[0] == "set") FishSet(words, scope, location, lineNo, list);
                    else ShellStatement(words, true, scope, location, lineNo, list);
                }
            }
            return list;
        }

        /// <summary>fish's universal variables file: <c>SETUVAR [--export] [--path] NAME:escaped-value</c>.</summary>
        public static List<PersistentVariable> ParseFishVariables(string text, EnvironmentScope scope, string location)
        {
            var list = new List<PersistentVariable>();
            int lineNo = 0;
            foreach (var raw in Lines(text))
            {
                lineNo++;
                var line = raw.Trim();
                if (!line.StartsWith("SETUVAR ", StringComparison.Ordinal)) continue;
                var rest = line.Substring(8).TrimStart();
                while (rest.StartsWith("--", StringComparison.Ordinal))
                {
                    int sp = rest.IndexOf(' ');
                    if (sp < 0) { rest = ""; break; }
                    rest = rest.Substring(sp + 1).TrimStart();
                }
                int colon = rest.IndexOf(':');
                if (colon <= 0) continue;
                var name = rest.Substring(0, colon);
                if (!IsName(name)) continue;
                list.Add(new PersistentVariable(name, FishUnescape(rest.Substring(colon + 1)), scope, location, lineNo));
            }
            return list;
        }

        private static void ShellStatement(List<string> words, bool fish, EnvironmentScope scope, string location, int lineNo, List<PersistentVariable> list)
        {
            if (words.Count == 0) return;
            var first = words[0];
            if (first == "export" || (!fish && (first == "declare" || first == "typeset" || first == "readonly")))
            {
                for (int i = 1; i < words.Count; i++)
                {
                    if (words[i].StartsWith("-", StringComparison.Ordinal)) continue;
                    if (TryAssignment(words[i], fish, out var name, out var value))
                        list.Add(new PersistentVariable(name, value, scope, location, lineNo));
                }
                return;
            }
            // Leading assignments: a statement of assignments only, or the environment of one command.
            foreach (var word in words)
            {
                if (!TryAssignment(word, fish, out var name, out var value)) break;
                list.Add(new PersistentVariable(name, value, scope, location, lineNo));
            }
        }

        private static void FishSet(List<string> words, EnvironmentScope scope, string location, int lineNo, List<PersistentVariable> list)
        {
            int i = 1;
            for (; i < words.Count && words[i].StartsWith("-", StringComparison.Ordinal); i++)
            {
                var opt = words[i];
                if (opt == "--") { i++; break; }
                if (opt.StartsWith("--", StringComparison.Ordinal))
                {
                    if (opt == "--erase" || opt == "--query" || opt == "--names" || opt == "--show") return;
                }
                else if (opt.IndexOfAny(new[] { 'e', 'q', 'n', 'S' }) > 0) return;
            }
            if (i >= words.Count - 1) return; // no name, or a name without values (declares an empty list)
            var name = ShellLexer.Unquote(words[i], fish: true);
            if (!IsName(name)) return;        // NAME[1] index assignments and computed names are skipped
            var values = new List<string>();
            for (int j = i + 1; j < words.Count; j++) values.Add(ShellLexer.Unquote(words[j], fish: true));
            list.Add(new PersistentVariable(name, string.Join(" ", values), scope, location, lineNo));
        }

        /// <summary>An unquoted <c>NAME=</c> prefix and the decoded rest of the word.</summary>
        private static bool TryAssignment(string word, bool fish, out string name, out string value)
        {
            name = value = "";
            int eq = word.IndexOf('=');
            if (eq <= 0) return false;
            var candidate = word.Substring(0, eq);
            if (!IsName(candidate)) return false;
            name = candidate;
            value = ShellLexer.Unquote(word.Substring(eq + 1), fish);
            return true;
        }

        private static readonly HashSet<string> LeadingKeywords = new HashSet<string>(StringComparer.Ordinal)
        {
            "then", "else", "do", "{", "(", "!", "and", "or", "not", "begin", "command", "builtin",
        };

        /// <summary>Splits a line's words at operators and drops leading reserved words of each statement.</summary>
        private static IEnumerable<List<string>> Statements(List<string> words)
        {
            var current = new List<string>();
            foreach (var w in words)
            {
                if (ShellLexer.IsOperator(w))
                {
                    if (current.Count > 0) yield return current;
                    current = new List<string>();
                    continue;
                }
                if (current.Count == 0 && LeadingKeywords.Contains(w)) continue;
                current.Add(w);
            }
            if (current.Count > 0) yield return current;
        }

        internal static bool IsName(string s)
        {
            if (s.Length == 0 || char.IsDigit(s[0])) return false;
            foreach (var c in s)
                if (!(c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
            return true;
        }

        private static IEnumerable<string> Lines(string text)
        {
            foreach (var line in text.Split('\n')) yield return line.TrimEnd('\r');
        }

        /// <summary>fish_variables escapes: \xHH (bytes, UTF-8), \uHHHH, \UHHHHHHHH, \n, \t, \\; \x1e separates list items.</summary>
        internal static string FishUnescape(string s)
        {
            var bytes = new List<byte>(s.Length);
            for (int i = 0; i < s.Length; i++)
            {
                char c = s[i];
                if (c != '\\' || i + 1 >= s.Length) { AppendUtf8(bytes, c.ToString()); continue; }
                char k = s[++i];
                int digits = k == 'x' ? 2 : k == 'u' ? 4 : k == 'U' ? 8 : 0;
                if (digits > 0 && TryHex(s, i + 1, digits, out var code))
                {
                    i += digits;
                    if (k == 'x') bytes.Add(code == 0x1e ? (byte)' ' : (byte)code);
                    else AppendUtf8(bytes, char.ConvertFromUtf32((int)Math.Min(code, 0x10FFFF)));
                    continue;
                }
                switch (k)
                {
                    case 'n': bytes.Add((byte)'\n'); break;
                    case 't': bytes.Add((byte)'\t'); break;
                    case 'r': bytes.Add((byte)'\r'); break;
                    default: AppendUtf8(bytes, k.ToString()); break;
                }
            }
            return new UTF8Encoding(false).GetString(bytes.ToArray());
        }

        private static void AppendUtf8(List<byte> bytes, string s) => bytes.AddRange(Encoding.UTF8.GetBytes(s));

        private static bool TryHex(string s, int start, int digits, out uint value)
        {
            value = 0;
            if (start + digits > s.Length) return false;
            return uint.TryParse(s.Substring(start, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value)
                   && (digits != 8 || value <= 0x10FFFF) && !(value >= 0xD800 && value <= 0xDFFF && digits > 2);
        }
    }

    /// <summary>A line-at-a-time word splitter for sh-family and fish scripts: enough to find assignments.</summary>
    internal static class ShellLexer
    {
        private static readonly string[] Operators = { "&&", "||", ";;", ";", "&", "|" };

        public static bool IsOperator(string w) => Array.IndexOf(Operators, w) >= 0 || w == "(" || w == ")";

        /// <summary>
        /// The raw words of one line (quotes kept) and operators as separate items; stops at a comment.
        /// A quote left open runs to the end of the line.
        /// </summary>
        public static List<string> Words(string line, bool fish)
        {
            var words = new List<string>();
            int i = 0, n = line.Length;
            while (i < n)
            {
                char c = line[i];
                if (c == ' ' || c == '\t') { i++; continue; }
                if (c == '#') break;
                string? op = null;
                foreach (var o in Operators)
                    if (string.CompareOrdinal(line, i, o, 0, o.Length) == 0) { op = o; break; }
                if (op != null) { words.Add(op); i += op.Length; continue; }
                if ((c == '(' && !fish) || c == ')' || c == '<' || c == '>')
                {
                    if (c == '(' || c == ')') words.Add(c.ToString());
                    i++;
                    continue;
                }
                int start = i;
                i = ScanWord(line, i, fish);
                words.Add(line.Substring(start, i - start));
            }
            return words;
        }

        private static int ScanWord(string s, int i, bool fish)
        {
            int n = s.Length;
            while (i < n)
            {
                char c = s[i];
                if (c == ' ' || c == '\t' || c == ';' || c == '&' || c == '|' || c == '<' || c == '>') return i;
                if (c == ')') return i;
                if (c == '(' && !fish)
                {
                    if (i == 0 || s[i - 1] != '=') return i;
                    i = SkipGroup(s, i + 1, '(', ')'); // NAME=(array items)
                    continue;
                }
                switch (c)
                {
                    case '\\': i = Math.Min(n, i + 2); break;
                    case '\'': i = SkipSingle(s, i + 1, fish); break;
                    case '"': i = SkipDouble(s, i + 1); break;
                    case '`': i = SkipUntil(s, i + 1, '`'); break;
                    case '(': i = SkipGroup(s, i + 1, '(', ')'); break; // fish command substitution
                    case '$':
                        if (i + 1 < n && s[i + 1] == '(') i = SkipGroup(s, i + 2, '(', ')');
                        else if (i + 1 < n && s[i + 1] == '{') i = SkipGroup(s, i + 2, '{', '}');
                        else if (!fish && i + 1 < n && s[i + 1] == '\'') i = SkipSingle(s, i + 2, true); // $'…'
                        else i++;
                        break;
                    default: i++; break;
                }
            }
            return i;
        }

        private static int SkipSingle(string s, int i, bool backslashEscapes)
        {
            while (i < s.Length)
            {
                if (backslashEscapes && s[i] == '\\') { i += 2; continue; }
                if (s[i] == '\'') return i + 1;
                i++;
            }
            return s.Length;
        }

        /// <summary>
        /// Substitutions nested deeper than this end the word at the end of the line: a start-up file is a user's, and
        /// <c>"$("$("$(…</c> repeated along a line would otherwise recurse until the stack overflows, which no catch stops.
        /// </summary>
        private const int MaxNesting = 64;

        private static int SkipDouble(string s, int i, int depth = 0)
        {
            if (depth > MaxNesting) return s.Length;
            while (i < s.Length)
            {
                char c = s[i];
                if (c == '\\') { i += 2; continue; }
                if (c == '"') return i + 1;
                if (c == '$' && i + 1 < s.Length && s[i + 1] == '(') { i = SkipGroup(s, i + 2, '(', ')', depth + 1); continue; }
                i++;
            }
            return s.Length;
        }

        private static int SkipUntil(string s, int i, char end)
        {
            while (i < s.Length)
            {
                if (s[i] == '\\') { i += 2; continue; }
                if (s[i] == end) return i + 1;
                i++;
            }
            return s.Length;
        }

        private static int SkipGroup(string s, int i, char open, char close, int nesting = 0)
        {
            if (nesting > MaxNesting) return s.Length;
            int depth = 1;
            while (i < s.Length)
            {
                char c = s[i];
                if (c == '\\') { i += 2; continue; }
                if (c == '\'') { i = SkipSingle(s, i + 1, false); continue; }
                if (c == '"') { i = SkipDouble(s, i + 1, nesting + 1); continue; }
                if (c == open) depth++;
                else if (c == close && --depth == 0) return i + 1;
                i++;
            }
            return s.Length;
        }

        /// <summary>
        /// A raw word's value: quotes removed, backslash escapes decoded; substitutions kept as written.
        /// sh: '…' literal, "…" with \" \\ \$ \` escapes, $'…' with C escapes. fish: '…' with \' \\, "…" with \" \\ \$.
        /// </summary>
        public static string Unquote(string word, bool fish)
        {
            var sb = new StringBuilder(word.Length);
            int i = 0, n = word.Length;
            while (i < n)
            {
                char c = word[i];
                if (c == '\\')
                {
                    if (i + 1 < n) sb.Append(word[i + 1]);
                    i += 2;
                }
                else if (c == '\'')
                {
                    i++;
                    while (i < n && word[i] != '\'')
                    {
                        if (fish && word[i] == '\\' && i + 1 < n && (word[i + 1] == '\'' || word[i + 1] == '\\')) i++;
                        sb.Append(word[i]);
                        i++;
                    }
                    i++;
                }
                else if (c == '"')
                {
                    i++;
                    while (i < n && word[i] != '"')
                    {
                        if (word[i] == '\\' && i + 1 < n && (word[i + 1] == '"' || word[i + 1] == '\\' || word[i + 1] == '$' || (!fish && word[i + 1] == '`')))
                            i++;
                        else if (word[i] == '$' && i + 1 < n && word[i + 1] == '(')
                        {
                            int end = SkipGroup(word, i + 2, '(', ')');
                            sb.Append(word, i, end - i);
                            i = end;
                            continue;
                        }
                        sb.Append(word[i]);
                        i++;
                    }
                    i++;
                }
                else if (!fish && c == '$' && i + 1 < n && word[i + 1] == '\'')
                {
                    i += 2;
                    while (i < n && word[i] != '\'')
                    {
                        if (word[i] == '\\' && i + 1 < n)
                        {
                            char k = word[i + 1];
                            sb.Append(k == 'n' ? '\n' : k == 't' ? '\t' : k == 'r' ? '\r' : k);
                            i += 2;
                            continue;
                        }
                        sb.Append(word[i]);
                        i++;
                    }
                    i++;
                }
                else if (c == '$' && i + 1 < n && (word[i + 1] == '(' || word[i + 1] == '{'))
                {
                    int end = word[i + 1] == '(' ? SkipGroup(word, i + 2, '(', ')') : SkipGroup(word, i + 2, '{', '}');
                    sb.Append(word, i, end - i);
                    i = end;
                }
                else if (c == '`')
                {
                    int end = SkipUntil(word, i + 1, '`');
                    sb.Append(word, i, end - i);
                    i = end;
                }
                else
                {
                    sb.Append(c);
                    i++;
                }
            }
            return sb.ToString();
        }
    }
}
