using System;
using System.Collections.Generic;

namespace NpmHardening.Engine.Pipelines
{
    /// <summary>What an npm-related command in a step's script does, as far as the publish-path finder cares.</summary>
    internal enum ScriptFactKind
    {
        Publish,
        StagePublish,
        ReleaseTool,
        /// <summary>A publish that uploads nothing (<c>--dry-run</c>).</summary>
        PublishDryRun,
        /// <summary>Installs dependencies, running their install scripts unless <see cref="ScriptFact.IgnoreScripts"/>.</summary>
        Install,
        /// <summary>Replaces npm itself (<c>npm install -g npm@11</c>).</summary>
        NpmUpgrade,
        /// <summary>Writes an npm setting or .npmrc.</summary>
        NpmrcWrite,
        /// <summary>Prints an .npmrc, a token variable or the whole environment to the log.</summary>
        Disclose,
        /// <summary>Turns on command tracing (<c>set -x</c>).</summary>
        TraceOn,
    }

    /// <summary>
    /// One command of a step's script, classified: the platform-neutral product of shell analysis (Pipelines/Shell) that
    /// the publish-path finder consumes. Lines are 1-based lines of <see cref="File"/>.
    /// </summary>
    internal sealed class ScriptFact
    {
        public ScriptFact(ScriptFactKind kind, string file, int line, string text, string tool)
        {
            Kind = kind; File = file; Line = line; Text = text; Tool = tool;
        }

        public ScriptFactKind Kind { get; }
        public string File { get; }
        public int Line { get; }
        /// <summary>The command as written (the step's script line, not the package.json script it led to).</summary>
        public string Text { get; }
        public string Tool { get; }
        /// <summary>How the step's script reached this command (<c>npm run release → release: changeset publish</c>); null when direct.</summary>
        public string? Via { get; set; }
        /// <summary>The package.json folder of the script the command came from ("" for the root), or null when the step ran it itself.</summary>
        public string? PackageFolder { get; set; }
        public bool? Provenance { get; set; }
        public string? Registry { get; set; }
        public bool IgnoreScripts { get; set; }
        /// <summary>Variables and secrets the command writes, prints or uses.</summary>
        public IReadOnlyList<string> TokenNames { get; set; } = Array.Empty<string>();
        /// <summary>For writes: the content holds an auth setting (<c>_authToken</c>, <c>_auth</c>, <c>npmAuthToken</c>).</summary>
        public bool WritesAuth { get; set; }
        /// <summary>For writes: a token value lands in the file (the shell expands the variable, or it is literal), as
        /// opposed to a <c>${NPM_TOKEN}</c> reference that npm expands when it reads the file.</summary>
        public bool WritesTokenValue { get; set; }
        /// <summary>A literal npm token in the command's text (its value is never kept).</summary>
        public bool LiteralToken { get; set; }
        public string? TargetFile { get; set; }
        /// <summary>For disclosures: the whole environment is printed.</summary>
        public bool DumpsEnvironment { get; set; }
        /// <summary>Command tracing is on when this command runs.</summary>
        public bool Traced { get; set; }
        /// <summary>For <see cref="ScriptFactKind.NpmUpgrade"/>: the version asked for (<c>latest</c>, <c>11</c>, <c>^11.5.1</c>).</summary>
        public string? Version { get; set; }
        /// <summary>The config key written by <c>npm config set</c> (<c>//npm.pkg.github.com/:_authToken</c>), or null.</summary>
        public string? ConfigKey { get; set; }

        public bool IsPublish => Kind == ScriptFactKind.Publish || Kind == ScriptFactKind.StagePublish || Kind == ScriptFactKind.ReleaseTool;

        public override string ToString() => File + ":" + Line + " " + Kind + " " + Tool;
    }

    /// <summary>The shell analysis the finder runs on each script step: its npm-related commands, in order.</summary>
    internal delegate IReadOnlyList<ScriptFact> ScriptAnalysis(CiRepository repository, CiStep step);
}
