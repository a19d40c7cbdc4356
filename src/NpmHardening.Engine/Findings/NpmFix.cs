using System;
using System.Collections.Generic;
using System.Linq;
using NpmHardening.Engine.Platform;

namespace NpmHardening.Engine.Findings
{
    /// <summary>What a fix does, as data; the cmdlet layer turns it into the module's command (the engine writes no PowerShell).</summary>
    internal enum NpmFixKind
    {
        /// <summary>Write <see cref="NpmFix.Key"/> = <see cref="NpmFix.Value"/> in the user or project config.</summary>
        SetSetting,
        /// <summary>Remove <see cref="NpmFix.Variable"/> from the session's environment.</summary>
        RemoveSessionVariable,
        /// <summary>Drop --<see cref="NpmFix.Key"/> from the npm command line.</summary>
        DropCommandLineFlag,
        /// <summary>Replace the secrets of <see cref="NpmFix.Path"/> by ${<see cref="NpmFix.Variable"/>} references (or remove them).</summary>
        ProtectTokens,
        /// <summary>Remove the persistent definition of <see cref="NpmFix.Variable"/>.</summary>
        RemovePersistentVariable,
        /// <summary>Give <see cref="NpmFix.Path"/> owner-only access (its owner, plus SYSTEM and Administrators on Windows).</summary>
        RestrictFileAccess,
        /// <summary>Let only <see cref="NpmFix.Path"/>'s owner and administrators write it; others keep read access.</summary>
        RestrictFileWriters,
        /// <summary>Add <see cref="NpmFix.Values"/> to the registries the audit allows.</summary>
        AllowRegistries,
    }

    /// <summary>
    /// One step of a remediation, with everything its command needs: the key and typed value, the folder or profile
    /// it is written for, the variable, the file and line. Internal: findings carry it to the cmdlet that renders it
    /// and it never leaves the process (it is not part of the finding contract).
    /// </summary>
    internal sealed class NpmFix
    {
        public NpmFix(NpmFixKind kind) { Kind = kind; }

        public NpmFixKind Kind { get; }
        /// <summary>Whether the machine the finding was made on runs Windows (the command differs: icacls or chmod, registry or start-up file).</summary>
        public bool Windows { get; set; }
        public string? Key { get; set; }
        /// <summary>The typed value to write (bool, double, string, or a list of strings).</summary>
        public object? Value { get; set; }
        /// <summary>For SetSetting: the project folder to write (null: the user config).</summary>
        public string? ProjectFolder { get; set; }
        /// <summary>For SetSetting, RemovePersistentVariable: the audited profile when it is not the current user's.</summary>
        public UserProfileInfo? Profile { get; set; }
        public string? Variable { get; set; }
        public string? Path { get; set; }
        public int? Line { get; set; }
        public string? Owner { get; set; }
        public EnvironmentScope? Scope { get; set; }
        /// <summary>For ProtectTokens: remove the lines instead of referencing a variable.</summary>
        public bool Remove { get; set; }
        public IReadOnlyList<string> Values { get; set; } = Array.Empty<string>();
        /// <summary>Words that follow the command for a reader (a comment), never a secret.</summary>
        public string? Note { get; set; }

        /// <summary>Every text of the step through <paramref name="scrub"/> (secret redaction), and the machine's OS recorded.</summary>
        public void Finish(Func<string?, string?> scrub, bool windows)
        {
            Windows = windows;
            Key = scrub(Key);
            ProjectFolder = scrub(ProjectFolder);
            Variable = scrub(Variable);
            Path = scrub(Path);
            Owner = scrub(Owner);
            Note = scrub(Note);
            Values = Values.Select(v => scrub(v) ?? "").ToList();
            if (Value is string text) Value = scrub(text);
            else if (Value is IEnumerable<string> list) Value = list.Select(v => scrub(v) ?? "").ToArray();
        }
    }
}
