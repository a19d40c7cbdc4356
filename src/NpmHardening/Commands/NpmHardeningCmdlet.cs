using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using NpmHardening.Engine.Platform;

namespace NpmHardening.Commands
{
    /// <summary>Shared plumbing of the module's cmdlets: paths, environments and issues → PowerShell streams.</summary>
    public abstract class NpmHardeningCmdlet : PSCmdlet
    {
        /// <summary>The PowerShell location as a file-system path (not the process's current directory).</summary>
        protected string CurrentFileSystemDirectory => SessionState.Path.CurrentFileSystemLocation.ProviderPath;

        /// <summary>Resolves -Path (wildcards) or -LiteralPath to file-system paths; unresolvable ones become errors.</summary>
        private DateTime _lastProgress = DateTime.MinValue;

        /// <summary>Progress for long work; unless forced, at most ten records a second (they are cheap to make but slow to render).</summary>
        protected void Progress(int id, int parentId, string activity, string status, int percent, bool force = false)
        {
            var now = DateTime.UtcNow;
            if (!force && (now - _lastProgress).TotalMilliseconds < 100) return;
            _lastProgress = now;
            WriteProgress(new ProgressRecord(id, activity, status) { ParentActivityId = parentId, PercentComplete = percent });
        }

        protected void CompleteProgress(int id, string activity) =>
            WriteProgress(new ProgressRecord(id, activity, "Done") { RecordType = ProgressRecordType.Completed });

        protected IEnumerable<string> ResolvePaths(string[]? paths, bool literal)
        {
            if (paths == null) yield break;
            foreach (var p in paths)
            {
                List<string> resolved = new List<string>();
                try
                {
                    // Globbing through the provider costs milliseconds; a path without wildcards needs none.
                    if (literal || !WildcardPattern.ContainsWildcardCharacters(p)) resolved.Add(SessionState.Path.GetUnresolvedProviderPathFromPSPath(p));
                    else
                    {
                        ProviderInfo provider;
                        foreach (var r in SessionState.Path.GetResolvedProviderPathFromPSPath(p, out provider))
                        {
                            if (provider.Name != "FileSystem")
                            {
                                WriteError(new ErrorRecord(new ArgumentException($"'{p}' is not a file-system path."), "NotFileSystemPath", ErrorCategory.InvalidArgument, p));
                                TargetNotFound(p, "not a file-system path");
                                continue;
                            }
                            resolved.Add(r);
                        }
                    }
                }
                catch (ItemNotFoundException e)
                {
                    WriteError(new ErrorRecord(e, "PathNotFound", ErrorCategory.ObjectNotFound, p));
                    TargetNotFound(p, e.Message);
                }
                catch (Exception e) when (e is ProviderNotFoundException || e is DriveNotFoundException || e is PSArgumentException)
                {
                    WriteError(new ErrorRecord(e, "InvalidPath", ErrorCategory.InvalidArgument, p));
                    TargetNotFound(p, e.Message);
                }
                foreach (var r in resolved) yield return r;
            }
        }

        /// <summary>-UserProfile folders as file-system paths; missing or invalid ones become non-terminating errors.</summary>
        protected IEnumerable<string> ResolveProfileFolders(IEnumerable<string> given)
        {
            foreach (var folder in given)
            {
                string home;
                try { home = GetUnresolvedProviderPathFromPSPath(folder); }
                catch (Exception e) when (e is ProviderNotFoundException || e is DriveNotFoundException || e is PSArgumentException || e is NotSupportedException)
                {
                    WriteError(new ErrorRecord(e, "InvalidProfilePath", ErrorCategory.InvalidArgument, folder));
                    TargetNotFound(folder, e.Message);
                    continue;
                }
                if (!System.IO.Directory.Exists(home))
                {
                    var missing = new System.IO.DirectoryNotFoundException($"The profile folder '{home}' does not exist; give a user's home folder.");
                    WriteError(new ErrorRecord(missing, "ProfileFolderNotFound", ErrorCategory.ObjectNotFound, home));
                    TargetNotFound(home, missing.Message);
                    continue;
                }
                yield return home;
            }
        }

        /// <summary>
        /// Hears each path or profile folder that was given but could not be used (after its error was written): the
        /// cmdlets that answer "compliant?" count it as not evaluated, never as a pass.
        /// </summary>
        protected virtual void TargetNotFound(string target, string reason) { }

        /// <summary>A hashtable of variables → an environment with the platform's name comparison.</summary>
        protected static Dictionary<string, string> ToEnvironment(Hashtable table, bool windows)
        {
            var env = EnvironmentMap.Create(windows);
            foreach (DictionaryEntry e in table)
            {
                var name = Convert.ToString(e.Key, System.Globalization.CultureInfo.InvariantCulture) ?? "";
                var value = e.Value is PSObject ps ? ps.BaseObject : e.Value;
                if (name.Length == 0 || value == null) continue;
                env[name] = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "";
            }
            return env;
        }

        /// <summary>Issues npm would warn about become warnings; problems that stop npm or the audit become non-terminating errors.</summary>
        protected void WriteIssue(NpmConfigIssue issue)
        {
            if (!issue.IsError)
            {
                WriteWarning(issue.ToString());
                return;
            }
            var category = issue.Kind switch
            {
                NpmConfigIssueKind.Unreadable => ErrorCategory.PermissionDenied,
                NpmConfigIssueKind.NotAFile => ErrorCategory.InvalidType,
                NpmConfigIssueKind.NotRegularFile => ErrorCategory.InvalidType,
                NpmConfigIssueKind.LimitExceeded => ErrorCategory.LimitsExceeded,
                NpmConfigIssueKind.TooLargeToRead => ErrorCategory.LimitsExceeded,
                NpmConfigIssueKind.ExclusiveKeys => ErrorCategory.InvalidData,
                NpmConfigIssueKind.StartupFailure => ErrorCategory.InvalidData,
                _ => ErrorCategory.ParserError,
            };
            WriteError(new ErrorRecord(new NpmConfigIssueException(issue), "Npmrc" + issue.Kind, category, issue.Source));
        }
    }

    /// <summary>The exception carried by error records about config files; its message names the file.</summary>
    public sealed class NpmConfigIssueException : Exception
    {
        // Internal: only the cmdlets raise it. PowerShell's cmdlet scan at Import-Module looks for a parameterless
        // constructor on this assembly's public types, reading each public constructor's parameters, and a public one
        // naming NpmConfigIssue made it load the engine on the importing thread (issue 10 F); the warm-up loads it now.
        internal NpmConfigIssueException(NpmConfigIssue issue) : base(issue.ToString()) { Issue = issue; }
        public NpmConfigIssue Issue { get; }
    }
}
