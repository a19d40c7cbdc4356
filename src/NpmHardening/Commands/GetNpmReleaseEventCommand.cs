using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using NpmHardening.Engine.Events;
using NpmHardening.Engine.Registry;
using NpmHardening.Engine.Releases;

namespace NpmHardening.Commands
{
    /// <summary>
    /// Release events a SIEM understands, read from the registry's records (npm has no audit-log API): for each package
    /// its staged list (GET /-/stage?package=) and then its full package document (GET /{name}), turned into
    /// package.staged, package.approved, package.published, package.deprecated and — with -StatePath — package.rejected
    /// events under ECS names. With -StatePath the run locks the state file, emits only events it has not emitted
    /// before, and writes the new state atomically before the first event leaves; a run killed before that emits
    /// nothing and the next emits everything once.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "NpmReleaseEvent", DefaultParameterSetName = "Config")]
    [OutputType("NpmHardening.NpmReleaseEvent")]
    public sealed class GetNpmReleaseEventCommand : NpmRegistryCmdlet, IDisposable
    {
        /// <summary>The type name of the objects written (they carry ECS-named properties, so not a .NET type).</summary>
        public const string TypeName = "NpmHardening.NpmReleaseEvent";

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [Alias("Name")]
        public string[]? Package { get; set; }

        /// <summary>Every package of these organisations (Get-NpmOrgPackage's listing).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [Alias("Scope")]
        public string[]? Org { get; set; }

        /// <summary>Remembers what was emitted (and what was staged) between runs; only new events are written.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? StatePath { get; set; }

        /// <summary>How long to wait for another run that holds the state file's lock.</summary>
        [Parameter]
        [ValidateRange(0, 3600)]
        public int LockTimeoutSec { get; set; } = 120;

        private ReleaseEventStateFile? _stateFile;
        private ReleaseEventState? _state;
        private readonly List<NpmReleaseEvent> _pending = new List<NpmReleaseEvent>();
        private readonly HashSet<string> _pendingIds = new HashSet<string>(StringComparer.Ordinal);
        private readonly HashSet<string> _done = new HashSet<string>(StringComparer.Ordinal);

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            if (StatePath == null) return;
            string path;
            try { path = GetUnresolvedProviderPathFromPSPath(StatePath); }
            catch (Exception e) when (e is ProviderNotFoundException || e is DriveNotFoundException || e is PSArgumentException || e is NotSupportedException)
            {
                ThrowTerminatingError(new ErrorRecord(e, "StatePathInvalid", ErrorCategory.InvalidArgument, StatePath));
                return;
            }
            try
            {
                WriteVerbose($"Locking the state file {path} (waiting up to {LockTimeoutSec} s for another run).");
                _stateFile = ReleaseEventStateFile.Open(path, TimeSpan.FromSeconds(LockTimeoutSec));
                _state = _stateFile.Load();
                WriteVerbose($"{path}: {_state.Emitted.Count} event(s) emitted before, {_state.Staged.Count} staged item(s) remembered.");
            }
            catch (ReleaseEventStateException e)
            {
                _stateFile?.Dispose();
                _stateFile = null;
                ThrowTerminatingError(StateError(e));
            }
        }

        protected override void Ask(string registry, RegistryCredential credential)
        {
            if ((Package == null) == (Org == null))
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("Give -Package or -Org (one of them)."), "PackageOrOrg", ErrorCategory.InvalidArgument, null));
                return;
            }
            var names = new List<string>();
            if (Package != null) names.AddRange(Package);
            foreach (var org in Org ?? Array.Empty<string>())
            {
                if (RegistryPackageName.CheckScope(org) is string bad)
                {
                    WriteError(new ErrorRecord(new ArgumentException($"'{org}': {bad}."), "InvalidOrgName", ErrorCategory.InvalidArgument, org));
                    continue;
                }
                var packages = Call(registry, () => new NpmAccessClient(Transport).GetOrgPackages(registry, credential, org, PipelineStopping));
                if (packages == null) continue;
                WriteVerbose($"{org}: {packages.Count} package(s).");
                names.AddRange(packages.Select(p => p.Package));
            }
            var shown = RegistryEndpoint.Safe(registry);
            foreach (var name in names)
            {
                if (NpmStageClient.CheckPackageName(name) is string why)
                {
                    WriteError(new ErrorRecord(new ArgumentException($"'{name}': {why}."), "InvalidPackageName", ErrorCategory.InvalidArgument, name));
                    continue;
                }
                if (!_done.Add(shown + "\0" + name)) continue;
                // the staged list first: an item approved between the two reads is then already a version in the document
                var staged = Call(registry, () => new NpmStageClient(Transport).List(registry, credential, name, PipelineStopping));
                if (staged == null) continue;
                var document = Call(registry, () => Document(registry, credential, name));
                if (document == null) continue;
                var mine = staged.Where(s => string.Equals(s.Package, name, StringComparison.Ordinal)).ToList();
                var before = _state?.StagedFor(shown, name).ToList() ?? new List<ReleaseEventStagedItem>();
                var packument = document as NpmPackument;
                var events = ReleaseEventReader.Read(packument, mine, before, shown, name, DateTimeOffset.UtcNow);
                if (packument != null && !packument.HasVersions)
                    WriteWarning($"{shown}{name}: the package document has no 'versions' object; only staged events were read.");
                foreach (var problem in packument?.Problems ?? Array.Empty<string>()) WriteVerbose($"{shown}{name}: {problem}");
                int fresh = 0;
                foreach (var e in events)
                {
                    if (_state != null && _state.Emitted.Contains(e.EventId)) continue;
                    if (!_pendingIds.Add(e.EventId)) continue;
                    fresh++;
                    if (_state != null) _pending.Add(e);
                    else WriteObject(ToObject(e));
                }
                _state?.SetStaged(shown, name, ReleaseEventReader.Remember(mine, shown, name));
                WriteVerbose($"{shown}{name}: {events.Count} event(s) in the registry's records, {fresh} new.");
            }
        }

        /// <summary>The full package document, read as it streams in; an empty marker when the registry has none yet (only staged versions: 404).</summary>
        private object Document(string registry, RegistryCredential credential, string name)
        {
            try { return new NpmReleaseClient(Transport).GetPackument(registry, credential, name, cancellationToken: PipelineStopping); }
            catch (RegistryException e) when (e.Kind == RegistryErrorKind.NotFound)
            {
                WriteVerbose($"{RegistryEndpoint.Safe(registry)}{name}: no package document (404); nothing of it is published yet.");
                return NoDocument;
            }
        }

        private static readonly object NoDocument = new object();

        protected override void EndProcessing()
        {
            try
            {
                if (_stateFile == null || _state == null) return;
                foreach (var e in _pending) _state.Emitted.Add(e.EventId);
                try { _stateFile.Save(_state); }
                catch (ReleaseEventStateException e)
                {
                    ThrowTerminatingError(StateError(e));
                    return;
                }
                WriteVerbose($"{_stateFile.Path}: saved; {_pending.Count} new event(s).");
                // only after the state is on disk: a run killed before this point has emitted nothing
                foreach (var e in _pending.OrderBy(x => x.Timestamp ?? x.Observed)) WriteObject(ToObject(e));
            }
            finally
            {
                _stateFile?.Dispose();
                _stateFile = null;
                base.EndProcessing();
            }
        }

        /// <summary>A stopped pipeline (Ctrl+C, a terminating error) never reaches EndProcessing: the lock goes here, nothing is saved or emitted.</summary>
        public void Dispose()
        {
            _stateFile?.Dispose();
            _stateFile = null;
        }

        /// <summary>A property bag with the ECS names, so ConvertTo-Json -Compress writes the line a SIEM ingests.</summary>
        internal static PSObject ToObject(NpmReleaseEvent e)
        {
            var o = new PSObject();
            foreach (var f in e.ToEcs()) o.Properties.Add(new PSNoteProperty(f.Key, f.Value));
            o.TypeNames.Insert(0, TypeName);
            return o;
        }

        private static ErrorRecord StateError(ReleaseEventStateException e) => new ErrorRecord(e, e.Error switch
        {
            ReleaseEventStateError.Locked => "StateFileLocked",
            ReleaseEventStateError.UnsafePath => "StateFileUnsafe",
            ReleaseEventStateError.Invalid => "StateFileInvalid",
            ReleaseEventStateError.ReadFailed => "StateFileReadFailed",
            _ => "StateFileWriteFailed",
        }, e.Error == ReleaseEventStateError.Locked ? ErrorCategory.ResourceBusy : e.Error == ReleaseEventStateError.Invalid ? ErrorCategory.InvalidData
            : e.Error == ReleaseEventStateError.UnsafePath ? ErrorCategory.SecurityError : ErrorCategory.WriteError, e.Path);
    }
}
