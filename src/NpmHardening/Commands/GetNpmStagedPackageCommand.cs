using System;
using System.Linq;
using System.Management.Automation;
using NpmHardening.Engine.Analyzers;
using NpmHardening.Engine.Registry;

namespace NpmHardening.Commands
{
    /// <summary>
    /// The registry's staged versions (<c>npm stage list</c> / <c>npm stage view</c>) as objects: every page of
    /// <c>GET /-/stage</c>, per -Package name or all the credential may see, or one item per -StageId. -OlderThan keeps
    /// those waiting at least that long; -Audit judges them (NPMH11001 age, NPMH11002 actor) under -Policy.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "NpmStagedPackage", DefaultParameterSetName = "Config")]
    [OutputType(typeof(NpmStagedPackage))]
    [OutputType(typeof(NpmFinding))]
    public sealed class GetNpmStagedPackageCommand : NpmRegistryAuditCmdlet
    {
        /// <summary>Package names (no version), each listed with npm's package filter; none: every staged version.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [Alias("Name")]
        public string[]? Package { get; set; }

        /// <summary>Stage ids (UUIDs) to read one by one (GET /-/stage/{id}) instead of listing.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? StageId { get; set; }

        /// <summary>Only versions staged at least this long ago.</summary>
        [Parameter]
        public TimeSpan OlderThan { get; set; }

        private StagedPackageAnalyzer? _analyzer;

        protected override void Ask(string registry, RegistryCredential credential)
        {
            if (Package != null && StageId != null)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("Give -Package or -StageId, not both."), "PackageAndStageId", ErrorCategory.InvalidArgument, null));
                return;
            }
            var stage = new NpmStageClient(Transport);
            if (StageId != null)
            {
                foreach (var id in StageId)
                {
                    if (!NpmStageClient.IsStageId(id))
                    {
                        WriteError(new ErrorRecord(new ArgumentException($"'{id}' is not a stage id: a stage id is a UUID (Get-NpmStagedPackage lists them)."), "InvalidStageId", ErrorCategory.InvalidArgument, id));
                        continue;
                    }
                    var item = Call(registry, () => stage.View(registry, credential, id, PipelineStopping));
                    if (item != null) Emit(item);
                }
                return;
            }
            foreach (var name in Package ?? new string?[] { null })
            {
                if (name != null && NpmStageClient.CheckPackageName(name) is string why)
                {
                    WriteError(new ErrorRecord(new ArgumentException($"'{name}': {why}."), "InvalidPackageName", ErrorCategory.InvalidArgument, name));
                    continue;
                }
                var items = Call(registry, () => stage.List(registry, credential, name, PipelineStopping));
                if (items == null) continue;
                WriteVerbose($"{RegistryEndpoint.Safe(registry)}: {items.Count} staged version(s)" + (name != null ? " of " + name : "") + ".");
                foreach (var item in items) Emit(item);
            }
        }

        private void Emit(NpmStagedPackage item)
        {
            if (MyInvocation.BoundParameters.ContainsKey(nameof(OlderThan)) && !(item.Age >= OlderThan)) return;
            if (!Audit)
            {
                WriteObject(item);
                return;
            }
            _analyzer ??= new StagedPackageAnalyzer(AuditPolicy);
            WriteFindings(_analyzer.Analyze(item));
        }
    }
}
