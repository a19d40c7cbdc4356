using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Remediation;

namespace NpmHardening.Commands
{
    /// <summary>Lists the backups Set-NpmHardening and Restore-NpmHardening kept, newest first.</summary>
    [Cmdlet(VerbsCommon.Get, "NpmHardeningBackup", DefaultParameterSetName = "Path")]
    [OutputType(typeof(NpmHardeningBackup))]
    public sealed class GetNpmHardeningBackupCommand : NpmHardeningCmdlet
    {
        [Parameter(Position = 0, ParameterSetName = "Path", ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[]? Path { get; set; }

        [Parameter(ParameterSetName = "BackupId", Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[]? BackupId { get; set; }

        [Parameter]
        public Hashtable? Environment { get; set; }

        private BackupStore _store = null!;

        protected override void BeginProcessing() => _store = BackupStores.For(Environment);

        protected override void ProcessRecord()
        {
            if (BackupId != null)
            {
                foreach (var id in BackupId)
                {
                    var found = _store.Find(id);
                    if (found != null) WriteObject(found);
                    else WriteError(new ErrorRecord(new ItemNotFoundException($"There is no backup with the id {id} in {_store.Root}."),
                        "NpmHardeningBackupNotFound", ErrorCategory.ObjectNotFound, id));
                }
                return;
            }
            if (Path == null)
            {
                foreach (var b in _store.List()) WriteObject(b);
                return;
            }
            foreach (var p in Path)
            {
                string full;
                try { full = GetUnresolvedProviderPathFromPSPath(p); }
                catch (Exception e) when (e is ProviderNotFoundException || e is DriveNotFoundException || e is PSArgumentException || e is NotSupportedException)
                {
                    WriteError(new ErrorRecord(e, "InvalidPath", ErrorCategory.InvalidArgument, p));
                    continue;
                }
                IReadOnlyList<NpmHardeningBackup> list;
                if (WildcardPattern.ContainsWildcardCharacters(full))
                {
                    var options = SystemPlatform.Instance.IsWindows ? WildcardOptions.IgnoreCase : WildcardOptions.None;
                    var pattern = new WildcardPattern(full, options);
                    list = _store.List().Where(b => pattern.IsMatch(b.OriginalPath)).ToList();
                }
                else list = _store.List(full);
                if (list.Count == 0)
                    WriteVerbose($"No backup of {full} in {_store.Root}.");
                foreach (var b in list) WriteObject(b);
            }
        }
    }

    /// <summary>The backup store of the user running the cmdlet, from the environment the cmdlet resolves npm with.</summary>
    internal static class BackupStores
    {
        public static BackupStore For(Hashtable? environment)
        {
            var platform = SystemPlatform.Instance;
            IReadOnlyDictionary<string, string> env = platform.Environment;
            if (environment != null)
            {
                var map = EnvironmentMap.Create(platform.IsWindows);
                foreach (DictionaryEntry e in environment)
                {
                    var name = Convert.ToString(e.Key, System.Globalization.CultureInfo.InvariantCulture) ?? "";
                    var value = e.Value is PSObject ps ? ps.BaseObject : e.Value;
                    if (name.Length == 0 || value == null) continue;
                    map[name] = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "";
                }
                env = map;
            }
            return For(env);
        }

        public static BackupStore For(IReadOnlyDictionary<string, string> environment)
        {
            var platform = SystemPlatform.Instance;
            if (platform.IsWindows && string.IsNullOrEmpty(EnvironmentMap.Get(environment, "LOCALAPPDATA")))
            {
                // a what-if environment without LOCALAPPDATA: the store of its profile, never the real user's
                var profile = EnvironmentMap.Get(environment, "USERPROFILE");
                if (string.IsNullOrEmpty(profile)) profile = EnvironmentMap.Get(environment, "HOME");
                if (!string.IsNullOrEmpty(profile))
                {
                    var copy = EnvironmentMap.Copy(environment, true);
                    copy["LOCALAPPDATA"] = System.IO.Path.Combine(profile!, "AppData", "Local");
                    environment = copy;
                }
            }
            return BackupStore.ForEnvironment(environment);
        }
    }
}
