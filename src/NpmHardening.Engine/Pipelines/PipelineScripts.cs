using System;
using System.Collections.Generic;
using System.Linq;
using NpmHardening.Engine.Pipelines.Shell;

namespace NpmHardening.Engine.Pipelines
{
    /// <summary>
    /// The one place the publish-path finder meets shell analysis (Pipelines/Shell): a step's script is read in its
    /// shell, each command classified, and <c>npm run</c>/<c>pnpm</c>/<c>yarn</c> scripts followed through the
    /// repository's package.json files; each npm-related command becomes a <see cref="ScriptFact"/> at the line of the
    /// step's script that leads to it.
    /// </summary>
    internal static class PipelineScripts
    {
        public static readonly ScriptAnalysis Default = Analyze;

        public static IReadOnlyList<ScriptFact> Analyze(CiRepository repository, CiStep step)
        {
            var facts = new List<ScriptFact>();
            if (string.IsNullOrEmpty(step.Script)) return facts;
            // one resolver per repository: it caches the package.json files it reads
            var resolver = repository.ScriptResolver ??= new PackageScriptResolver(repository, repository.ListFolders);
            var start = step.WorkingDirectory == null || step.WorkingDirectory.IndexOf('$') >= 0 ? "" : CiRepository.NormalizePath(step.WorkingDirectory) ?? "";
            var script = resolver.ReadScript(step.Script!, step.Shell);
            foreach (var command in script)
            {
                var line = step.ScriptLine > 0 ? step.ScriptLine + command.LineOffset : step.Source.Line;
                var directory = ShellPath.FromRepositoryRoot(start, command.WorkingDirectory) ?? start;
                var classified = NpmCommandClassifier.Classify(command);
                if (classified.Count == 0 && OpaqueProgram(command) is string program)
                    facts.Add(new ScriptFact(ScriptFactKind.ReleaseTool, step.Source.File, line, command.Text, program)
                    {
                        Opaque = true,
                        // a token handed to the program in its own environment (NPM_AUTH_TOKEN=$(token) node scripts/publish.js)
                        TokenNames = command.Assignments.Select(a => a.Name).Concat(LeadingAssignmentWords(command))
                            .Where(PublishPathFinder.IsTokenName).Distinct(StringComparer.Ordinal).ToArray(),
                    });
                foreach (var npm in classified)
                {
                    var fact = ToFact(npm, step.Source.File, line, command.Text);
                    if (fact != null) facts.Add(fact);
                    if (npm.Kind != NpmCommandKind.RunScript && npm.Kind != NpmCommandKind.Publish && npm.Kind != NpmCommandKind.StagePublish) continue;
                    IReadOnlyList<ScriptReach> reaches;
                    try { reaches = resolver.Resolve(npm, directory); }
                    catch (CiDefinitionException) { continue; } // an unreadable package.json: the script is not followed
                    if (npm.Kind == NpmCommandKind.RunScript && npm.Script != null && NamedForPublishing(npm.Script) &&
                        !HasPublish(reaches))
                    {
                        // a script named for publishing whose commands the analysis cannot follow (a JavaScript program)
                        facts.Add(new ScriptFact(ScriptFactKind.ReleaseTool, step.Source.File, line, command.Text, npm.Tool + " run " + npm.Script)
                        {
                            Opaque = true,
                            Via = FirstLine(command.Text) + " → " + npm.Script + " (a script whose commands are not read)",
                            PackageFolder = directory,
                        });
                    }
                    foreach (var reach in reaches)
                    {
                        // a publish's own lifecycle scripts add what they do (installs, writes), not another publish
                        if (npm.Kind != NpmCommandKind.RunScript && IsPublish(reach.Command.Kind)) continue;
                        var reached = ToFact(reach.Command, step.Source.File, line, command.Text);
                        if (reached == null) continue;
                        reached.Via = reach.Describe(FirstLine(command.Text));
                        reached.PackageFolder = reach.Directory;
                        facts.Add(reached);
                    }
                }
            }
            return facts;
        }

        private static bool HasPublish(IReadOnlyList<ScriptReach> reaches)
        {
            foreach (var r in reaches) if (IsPublish(r.Command.Kind) || r.Command.Kind == NpmCommandKind.PublishDryRun) return true;
            return false;
        }

        private static readonly HashSet<string> ScriptRunners = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "node", "tsx", "ts-node", "bun", "deno", "zx", "python", "python3", "bash", "sh", "pwsh", "powershell",
        };

        /// <summary>Names of the NAME=value words before the program that the shell reader kept as words (a value with a
        /// command substitution, <c>NPM_AUTH_TOKEN="$(token)" node publish.js</c>): POSIX reads them as assignments.</summary>
        private static IReadOnlyList<string> LeadingAssignmentWords(ShellCommand command)
        {
            var names = new List<string>();
            if (command.Shell != CiShell.Posix) return names;
            foreach (var word in command.Words)
            {
                var w = word.Value;
                var eq = w.IndexOf('=');
                if (eq <= 0 || !IsName(w.Substring(0, eq))) break;
                names.Add(w.Substring(0, eq));
            }
            return names;
        }

        private static bool IsName(string s)
        {
            if (!(char.IsLetter(s[0]) || s[0] == '_')) return false;
            foreach (var c in s) if (!(char.IsLetterOrDigit(c) || c == '_')) return false;
            return true;
        }

        /// <summary>A program file named for publishing run directly (<c>node scripts/publish.mjs</c>, <c>./scripts/publish-npm.sh</c>):
        /// its name, or null.</summary>
        private static string? OpaqueProgram(ShellCommand command)
        {
            var words = command.Words;
            var start = LeadingAssignmentWords(command).Count;
            if (words.Count <= start) return null;
            var first = words[start].Value;
            string? file = null;
            var program = NpmCommandClassifier.ProgramName(first, command.Shell);
            if (ScriptRunners.Contains(program))
            {
                for (var i = start + 1; i < words.Count; i++)
                {
                    var w = words[i].Value;
                    if (w.StartsWith("-", StringComparison.Ordinal)) continue;
                    file = w;
                    break;
                }
            }
            else if (first.IndexOf('/') >= 0 || first.IndexOf('\\') >= 0) file = first;
            // a script found on PATH (an agent's publish_npmjs.sh) is a program file too
            else if (ScriptExtensions.Any(e => first.EndsWith(e, StringComparison.OrdinalIgnoreCase))) file = first;
            if (file == null) return null;
            var slash = Math.Max(file.LastIndexOf('/'), file.LastIndexOf('\\'));
            var leaf = file.Substring(slash + 1);
            return NamedForPublishing(leaf) ? file : null;
        }

        /// <summary>A script or program named for publishing or releasing (<c>publish</c>, <c>ci-publish</c>,
        /// <c>release</c>, <c>scripts/release.js</c>). Such a name counts as a publish only where the finder also sees an
        /// npm credential in reach (OIDC or a token variable), so a release script that only tags stays quiet elsewhere.</summary>
        internal static bool NamedForPublishing(string name) =>
            name.IndexOf("publish", StringComparison.OrdinalIgnoreCase) >= 0 || name.IndexOf("release", StringComparison.OrdinalIgnoreCase) >= 0;

        private static readonly string[] ScriptExtensions = { ".sh", ".bash", ".ps1", ".cmd", ".bat", ".js", ".mjs", ".cjs", ".ts" };

        private static bool IsPublish(NpmCommandKind kind) =>
            kind == NpmCommandKind.Publish || kind == NpmCommandKind.StagePublish || kind == NpmCommandKind.ReleaseTool;

        private static string FirstLine(string text)
        {
            var cut = text.IndexOfAny(new[] { '\r', '\n' });
            return (cut < 0 ? text : text.Substring(0, cut)).Trim();
        }

        /// <summary>Whether a variable the command writes is expanded before the file is written (by the shell, or by the CI
        /// for <c>${{ secrets.X }}</c>): then the file holds the value. Word references are only those the shell or CI
        /// expands (a single-quoted <c>${NPM_TOKEN}</c> is none); an unquoted heredoc body and a command piping into
        /// this one count too.</summary>
        private static bool Expands(NpmCommand npm)
        {
            if (npm.TokenNames.Count == 0) return false;
            var expanded = new HashSet<string>(StringComparer.Ordinal);
            for (var command = npm.Command; command != null; command = command.PipedFrom)
            {
                foreach (var word in command.Words)
                    foreach (var reference in word.References) expanded.Add(reference.Name);
                foreach (var assignment in command.Assignments)
                    foreach (var reference in assignment.Value.References) expanded.Add(reference.Name);
                if (command.HeredocBody != null && !command.HeredocQuoted)
                    foreach (var name in ShellVariables.Names(command.HeredocBody)) expanded.Add(name);
            }
            foreach (var name in npm.TokenNames) if (expanded.Contains(name)) return true;
            return false;
        }

        /// <summary>The finder's view of one classified command; null for kinds it does not use (a script run by name).</summary>
        private static ScriptFact? ToFact(NpmCommand npm, string file, int line, string text)
        {
            ScriptFactKind kind;
            switch (npm.Kind)
            {
                case NpmCommandKind.Publish: kind = npm.DryRun ? ScriptFactKind.PublishDryRun : ScriptFactKind.Publish; break;
                case NpmCommandKind.PublishDryRun: kind = ScriptFactKind.PublishDryRun; break;
                case NpmCommandKind.StagePublish: kind = npm.DryRun ? ScriptFactKind.PublishDryRun : ScriptFactKind.StagePublish; break;
                case NpmCommandKind.ReleaseTool: kind = npm.DryRun ? ScriptFactKind.PublishDryRun : ScriptFactKind.ReleaseTool; break;
                case NpmCommandKind.Install: kind = npm.UpgradesNpm ? ScriptFactKind.NpmUpgrade : ScriptFactKind.Install; break;
                case NpmCommandKind.NpmrcWrite: kind = ScriptFactKind.NpmrcWrite; break;
                case NpmCommandKind.NpmrcDisclose: kind = ScriptFactKind.Disclose; break;
                case NpmCommandKind.TraceOn: kind = ScriptFactKind.TraceOn; break;
                default: return null;
            }
            var tool = npm.ToolSpec != null && kind == ScriptFactKind.ReleaseTool ? NpmCommandClassifier.BinName(npm.ToolSpec) : npm.Tool;
            var fact = new ScriptFact(kind, file, line, text, tool)
            {
                Provenance = npm.Provenance,
                Registry = npm.Registry,
                IgnoreScripts = npm.IgnoreScripts,
                TokenNames = npm.TokenNames,
                WritesAuth = npm.WritesAuth,
                // a variable the shell (or the CI, for ${{ secrets.X }}) expands lands in the file as the token itself;
                // a single-quoted ${NPM_TOKEN} is no reference here and stays for npm to expand
                // npm login writes a session token npm got back, not a value from the script (the password is not stored)
                WritesTokenValue = kind == ScriptFactKind.NpmrcWrite && !npm.Login && (npm.WritesAuth || npm.ConfigKey != null) && Expands(npm),
                LiteralToken = npm.LiteralToken,
                TargetFile = npm.TargetFile,
                DumpsEnvironment = npm.DumpsEnvironment,
                Traced = npm.Command.TraceActive,
                ConfigKey = npm.ConfigKey,
            };
            if (kind == ScriptFactKind.NpmUpgrade)
                foreach (var a in npm.Arguments)
                    if (a.StartsWith("npm@", StringComparison.Ordinal)) fact.Version = a.Substring(4);
            return fact;
        }
    }
}
