using System;
using System.Collections.Generic;

namespace NpmHardening.Engine.Pipelines.Shell
{
    /// <summary>What an npm-related shell command does.</summary>
    internal enum NpmCommandKind
    {
        /// <summary>Uploads a package: <c>npm publish</c>, <c>pnpm publish</c>, <c>yarn npm publish</c>, <c>yarn publish</c>, <c>bun publish</c>.</summary>
        Publish,
        /// <summary>A publish with <c>--dry-run</c> (or a release tool's dry run): nothing is uploaded.</summary>
        PublishDryRun,
        /// <summary><c>npm stage publish</c>: uploaded for a later 2FA approval.</summary>
        StagePublish,
        /// <summary>A release tool that publishes: semantic-release, changeset publish, lerna publish, nx release, release-it, np …</summary>
        ReleaseTool,
        /// <summary>Installs dependencies (runs their install scripts): <c>npm ci</c>, <c>npm install</c>, <c>yarn</c>, <c>pnpm install</c>, <c>bun install</c>.</summary>
        Install,
        /// <summary>Runs a package.json script: <c>npm run X</c>, <c>npm test</c>, <c>pnpm X</c>, <c>yarn X</c>, <c>run-s X</c>.</summary>
        RunScript,
        /// <summary>Writes an npm/yarn configuration file or setting (<c>echo … &gt;&gt; .npmrc</c>, <c>npm config set</c>, <c>yarn config set npmAuthToken</c>).</summary>
        NpmrcWrite,
        /// <summary>Prints credentials to the log: <c>cat .npmrc</c>, <c>echo $NPM_TOKEN</c>, <c>printenv</c>.</summary>
        NpmrcDisclose,
        /// <summary>Turns command tracing on (<c>set -x</c>, <c>Set-PSDebug -Trace 1</c>, <c>echo on</c>): later commands are echoed with values expanded.</summary>
        TraceOn,
    }

    /// <summary>One npm-related meaning of a <see cref="ShellCommand"/> (a command can have several: <c>npm it</c> installs and runs <c>test</c>).</summary>
    internal sealed class NpmCommand
    {
        private static readonly string[] None = new string[0];

        public NpmCommand(NpmCommandKind kind, ShellCommand command, string tool)
        {
            Kind = kind; Command = command; Tool = tool;
        }

        public NpmCommandKind Kind { get; }
        public ShellCommand Command { get; }
        /// <summary>The program that does it (<c>npm</c>, <c>pnpm</c>, <c>yarn</c>, <c>bun</c>, <c>semantic-release</c>, <c>lerna</c>, <c>tee</c>, <c>Set-Content</c> …).</summary>
        public string Tool { get; }
        /// <summary>The package spec when run through npx/dlx (<c>npm@11</c>, <c>semantic-release@24</c>), else null.</summary>
        public string? ToolSpec { get; internal set; }
        /// <summary>How the tool was reached when through a runner (<c>npx</c>, <c>pnpm dlx</c>, <c>yarn dlx</c>, <c>bunx</c>, <c>npm exec</c>), else null.</summary>
        public string? Runner { get; internal set; }

        /// <summary>For <see cref="NpmCommandKind.RunScript"/>: the script name (may be a glob for run-s/npm-run-all, or a pnpm /regex/).</summary>
        public string? Script { get; internal set; }
        /// <summary>The script was named as a command (<c>pnpm release</c>, <c>yarn release</c>, <c>bun release</c>): when the
        /// package has no such script the tool runs a binary of that name instead (see <see cref="FallbackArguments"/>).</summary>
        public bool ImplicitScript { get; internal set; }
        /// <summary>For an implicit script: the words to run as a command when no script of that name exists.</summary>
        public IReadOnlyList<string> FallbackArguments { get; internal set; } = None;

        /// <summary><c>--provenance</c>: true, <c>--provenance=false</c>/<c>--no-provenance</c>: false, absent: null.</summary>
        public bool? Provenance { get; internal set; }
        public string? Registry { get; internal set; }
        public string? Tag { get; internal set; }
        public string? Access { get; internal set; }
        public bool DryRun { get; internal set; }
        /// <summary>An <c>--otp</c> was passed (its value is not kept).</summary>
        public bool Otp { get; internal set; }
        public bool IgnoreScripts { get; internal set; }
        public bool Global { get; internal set; }
        /// <summary><c>--workspace</c>/<c>-w</c> values (npm), <c>--filter</c> selectors (pnpm, bun), <c>yarn workspace X</c>.</summary>
        public IReadOnlyList<string> Workspaces { get; internal set; } = None;
        /// <summary><c>--workspaces</c>, <c>pnpm -r</c>, <c>yarn workspaces foreach</c>, <c>lerna run</c>, <c>turbo run</c>: every workspace package.</summary>
        public bool AllWorkspaces { get; internal set; }
        /// <summary>Directory named by <c>--prefix</c>/<c>-C</c>/<c>--dir</c>/<c>--cwd</c>, as written; null when none.</summary>
        public string? Directory { get; internal set; }
        /// <summary>Positional arguments after the subcommand (packages to install, the spec to publish, a script's arguments).</summary>
        public IReadOnlyList<string> Arguments { get; internal set; } = None;

        /// <summary>For <see cref="NpmCommandKind.NpmrcWrite"/>: the file written, as written (<c>.npmrc</c>, <c>~/.npmrc</c>,
        /// <c>$NPM_CONFIG_USERCONFIG</c>); for a disclosure of a file, the file read.</summary>
        public string? TargetFile { get; internal set; }
        public bool Append { get; internal set; }
        /// <summary>The written content holds an auth setting (<c>_authToken</c>, <c>_auth</c>, <c>_password</c>, <c>npmAuthToken</c>).</summary>
        public bool WritesAuth { get; internal set; }
        /// <summary>For <see cref="NpmCommandKind.NpmrcWrite"/>: <c>npm login</c>/<c>adduser</c>, where npm writes the
        /// session token it gets back; the script itself writes no token value.</summary>
        public bool Login { get; internal set; }
        /// <summary>The written or printed content holds what looks like a literal npm token (<c>npm_…</c>), not a variable.</summary>
        public bool LiteralToken { get; internal set; }
        /// <summary>The setting written by <c>npm config set</c>/<c>yarn config set</c> (<c>//registry.npmjs.org/:_authToken</c>), else null.</summary>
        public string? ConfigKey { get; internal set; }
        /// <summary>Variables and secrets the command uses: those written or printed for NpmrcWrite/NpmrcDisclose
        /// (empty for a whole-environment dump), otherwise every reference in the command's words and prefix assignments.</summary>
        public IReadOnlyList<string> TokenNames { get; internal set; } = None;
        /// <summary>For <see cref="NpmCommandKind.NpmrcDisclose"/>: the whole environment is printed (<c>printenv</c>, <c>env</c>).</summary>
        public bool DumpsEnvironment { get; internal set; }

        /// <summary>An install that replaces npm itself (<c>npm install -g npm@11</c>), which decides the npm version later steps use.</summary>
        public bool UpgradesNpm
        {
            get
            {
                if (Kind != NpmCommandKind.Install || !Global) return false;
                foreach (var a in Arguments) if (a == "npm" || a.StartsWith("npm@", StringComparison.Ordinal)) return true;
                return false;
            }
        }

        public override string ToString() => Kind + " (" + Tool + (Script != null ? " " + Script : "") + (TargetFile != null ? " → " + TargetFile : "") + ")";
    }
}
