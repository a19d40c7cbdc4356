using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using NpmHardening.Engine.Registry;

namespace NpmHardening.Commands
{
    /// <summary>
    /// npm trust github|gitlab|circleci as a change with ShouldProcess (ConfirmImpact High): makes the package's one trusted
    /// publisher the one described. Stage-only unless -AllowPublish. The registry keeps one configuration per package, so a
    /// different existing one is deleted first and the new one created; -WhatIf names both, and when the create fails the
    /// deleted one is created again. An identical existing configuration is left alone.
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "NpmTrustedPublisher", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = "Config")]
    [OutputType(typeof(NpmTrustedPublisher))]
    public sealed class SetNpmTrustedPublisherCommand : NpmRegistryCmdlet
    {
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [Alias("Name")]
        public string Package { get; set; } = "";

        /// <summary>The object piped in (a trusted publisher or a finding about one): its Environment property fills -DeploymentEnvironment when that is not given.</summary>
        [Parameter(ValueFromPipeline = true, DontShow = true)]
        public PSObject? InputObject { get; set; }

        [Parameter] public SwitchParameter GitHub { get; set; }
        [Parameter] public SwitchParameter GitLab { get; set; }
        [Parameter] public SwitchParameter CircleCI { get; set; }
        [Parameter] public SwitchParameter Buildkite { get; set; }

        /// <summary>The provider by name (what piped objects carry); the switches are the short form.</summary>
        // no ValidateSet or ValidateNotNullOrEmpty on the properties piped objects carry: a piped null (a CircleCI
        // publisher has no WorkflowFile) must bind as "not given", not fail validation; Desired() checks them instead
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(TrustProviderCompleter))]
        public string? Provider { get; set; }

        /// <summary>GitHub owner/repo, or GitLab group/project (npm --repo / --project).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("Project", "Repo")]
        public string? Repository { get; set; }

        /// <summary>The workflow file name (GitHub: under .github/workflows; GitLab: the CI file), ending in .yml or .yaml (npm --file).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("File")]
        public string? WorkflowFile { get; set; }

        /// <summary>
        /// The CI environment the token must come from (npm --env). Not -Environment: that name is the npm configuration's
        /// environment variables on every registry cmdlet. A piped object's Environment property is used when this is absent.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [Alias("CiEnvironment")]
        public string? DeploymentEnvironment { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)] public string? OrgId { get; set; }
        [Parameter(ValueFromPipelineByPropertyName = true)] public string? ProjectId { get; set; }
        [Parameter(ValueFromPipelineByPropertyName = true)] public string? PipelineDefinitionId { get; set; }
        [Parameter(ValueFromPipelineByPropertyName = true)] public string? VcsOrigin { get; set; }
        [Parameter(ValueFromPipelineByPropertyName = true)] public string[]? ContextId { get; set; }
        [Parameter(ValueFromPipelineByPropertyName = true)] public string? Organization { get; set; }
        [Parameter(ValueFromPipelineByPropertyName = true)] public string? Pipeline { get; set; }

        /// <summary>Let CI stage versions (createStagedPackage). The default; -AllowStagePublish:$false with -AllowPublish makes a publish-only publisher.</summary>
        [Parameter] public SwitchParameter AllowStagePublish { get; set; }

        /// <summary>Let CI publish directly (createPackage): a release with no human approving it. Writes a warning.</summary>
        [Parameter] public SwitchParameter AllowPublish { get; set; }

        [Parameter] [ValidateNotNullOrEmpty] public string? Otp { get; set; }

        /// <summary>Seconds between trust calls (npm advises about 2); 0: none.</summary>
        [Parameter] [ValidateRange(0, 60)] public double PauseSeconds { get; set; } = 2;

        /// <summary>Writes the configuration the registry holds afterwards.</summary>
        [Parameter] public SwitchParameter PassThru { get; set; }

        internal static readonly string[] Providers = { "GitHub", "GitLab", "CircleCI", "Buildkite" };
        private NpmSecondFactor? _otp;
        private readonly TrustCallPacer _pacer = new TrustCallPacer();
        private int _count;

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            _otp = new NpmSecondFactor(this, Otp);
        }

        protected override void Ask(string registry, RegistryCredential credential)
        {
            if (PipelineStopping.IsCancellationRequested) return;
            var desired = Desired(registry);
            if (desired == null) return;
            _count++;
            WriteProgress(new ProgressRecord(13, "Setting trusted publishers", $"{_count}: {Package}"));
            var client = new NpmTrustClient(Transport);
            var existing = Trust(registry, credential, PipelineStopping, (otp, legacy) => client.List(registry, credential, Package, otp, PipelineStopping, legacy));
            if (existing == null) return;
            if (existing.Count == 1 && NpmTrustClient.SameConfiguration(existing[0], desired))
            {
                WriteVerbose($"{Package}: the trusted publisher is already {Describe(existing[0])}; nothing to change.");
                if (PassThru) WriteObject(existing[0]);
                return;
            }
            var target = $"{Package} at {RegistryEndpoint.Safe(registry)}";
            var action = existing.Count == 0 ? $"Create trusted publisher {Describe(desired)}"
                : $"Replace the trusted publisher: delete {string.Join("; ", existing.Select(e => Describe(e) + " [" + e.ConfigId + "]"))}, then create {Describe(desired)}";
            if (desired.AllowsDirectPublish)
                WriteWarning($"{Package}: -AllowPublish lets any run of {desired.Source} publish a version that installs at once, with no maintainer approving it. Prefer stage-only and approve with Approve-NpmStagedPackage.");
            if (!ShouldProcess(target, action)) return;

            // from here the change runs to its end (a new configuration, or the old one back) even if Ctrl+C is pressed:
            // stopping between the delete and the create would leave the package without its publisher. Nothing is
            // written to the pipeline until it is over (a stopped pipeline throws on the first write).
            var errors = new List<ErrorRecord>();
            var deleted = new List<NpmTrustedPublisher>();
            IReadOnlyList<NpmTrustedPublisher>? created = null;
            bool deletesDone = true;
            foreach (var old in existing)
            {
                if (old.ConfigId == null || !NpmTrustClient.IsUuid(old.ConfigId))
                {
                    errors.Add(new ErrorRecord(new InvalidOperationException($"{Package}: the registry gives the existing trusted publisher no valid id, so it cannot be replaced."),
                        "TrustConfigIdMissing", ErrorCategory.InvalidResult, Package));
                    deletesDone = false;
                    break;
                }
                var id = old.ConfigId;
                var (ok, failure) = TryTrust(registry, credential, (otp, legacy) => { client.Delete(registry, credential, Package, id, otp, CancellationToken.None, legacy); return new object(); });
                if (ok == null) { errors.Add(Record(failure!)); deletesDone = false; break; }
                deleted.Add(old);
            }
            if (deletesDone)
            {
                var (result, failure) = TryTrust(registry, credential, (otp, legacy) => client.Create(registry, credential, desired, otp, CancellationToken.None, legacy));
                created = result;
                if (result == null) errors.Add(Record(failure!));
            }
            if (created == null) errors.AddRange(Restore(registry, credential, client, deleted));

            FlushLog();
            foreach (var old in deleted) WriteVerbose($"{Package}: deleted the trusted publisher {Describe(old)} [{old.ConfigId}].");
            foreach (var e in errors) WriteError(e);
            if (created == null) return;
            WriteVerbose($"{Package}: created the trusted publisher {Describe(desired)}.");
            if (PassThru) foreach (var c in created) WriteObject(c);
        }

        protected override void EndProcessing()
        {
            if (_count > 0) WriteProgress(new ProgressRecord(13, "Setting trusted publishers", "Done") { RecordType = ProgressRecordType.Completed });
            base.EndProcessing();
        }

        /// <summary>After a failed create: the deleted configurations created again; the errors that say whether that worked.</summary>
        private List<ErrorRecord> Restore(string registry, RegistryCredential credential, NpmTrustClient client, List<NpmTrustedPublisher> deleted)
        {
            var records = new List<ErrorRecord>();
            foreach (var old in deleted)
            {
                var again = new NpmTrustedPublisher
                {
                    Package = old.Package, Provider = old.Provider, Repository = old.Repository, WorkflowFile = old.WorkflowFile, Environment = old.Environment,
                    OrgId = old.OrgId, ProjectId = old.ProjectId, PipelineDefinitionId = old.PipelineDefinitionId, VcsOrigin = old.VcsOrigin, ContextId = old.ContextId,
                    Organization = old.Organization, Pipeline = old.Pipeline,
                    // a legacy configuration (no permissions) published directly: that is what it gets back
                    Permissions = old.Permissions ?? new[] { NpmTrustClient.CreatePackage },
                };
                var (back, failure) = TryTrust(registry, credential, (otp, legacy) => client.Create(registry, credential, again, otp, CancellationToken.None, legacy));
                if (back == null) records.Add(Record(failure!));
                var message = back != null
                    ? $"{Package}: the new trusted publisher was not created; the previous one ({Describe(again)}) was created again, with a new id."
                    : $"{Package}: the new trusted publisher was not created and the previous one ({Describe(again)}) could not be created again: the package has NO trusted publisher now. Create it with Set-NpmTrustedPublisher or npm trust.";
                records.Add(new ErrorRecord(new InvalidOperationException(message), back != null ? "TrustReplaceRolledBack" : "TrustReplaceRollbackFailed",
                    back != null ? ErrorCategory.InvalidResult : ErrorCategory.WriteError, Package));
            }
            return records;
        }

        /// <summary>One trust call: paced, with npm's second-factor replay; null after writing the registry's error.</summary>
        private T? Trust<T>(string registry, RegistryCredential credential, CancellationToken token, Func<string?, bool, T> call) where T : class =>
            Call(registry, () =>
            {
                _pacer.Wait(PauseSeconds, token);
                try { return _otp!.Run(Transport, registry, credential, call, token); }
                finally { _pacer.Called(); }
            });

        /// <summary>A trust call of the replacement: not cancellable, and its failure returned rather than written.</summary>
        private (T? Result, Exception? Error) TryTrust<T>(string registry, RegistryCredential credential, Func<string?, bool, T> call) where T : class
        {
            try
            {
                _pacer.Wait(PauseSeconds, CancellationToken.None);
                return (_otp!.Run(Transport, registry, credential, call, CancellationToken.None), null);
            }
            catch (Exception e) when (!(e is OutOfMemoryException) && !(e is StackOverflowException))
            {
                return (null, e);
            }
            finally { _pacer.Called(); }
        }

        private static ErrorRecord Record(Exception e) => e is RegistryException r
            ? new ErrorRecord(r, ErrorId(r), r.Kind == RegistryErrorKind.RateLimited ? ErrorCategory.LimitsExceeded : r.Kind == RegistryErrorKind.Unauthorized ? ErrorCategory.AuthenticationError : ErrorCategory.InvalidResult, r.Registry)
            : new ErrorRecord(e, "TrustReplaceInterrupted", ErrorCategory.OperationStopped, null);

        private NpmTrustedPublisher? Desired(string registry)
        {
            var switches = new List<string>();
            if (GitHub) switches.Add("GitHub");
            if (GitLab) switches.Add("GitLab");
            if (CircleCI) switches.Add("CircleCI");
            if (Buildkite) switches.Add("Buildkite");
            string? provider = switches.Count == 1 ? switches[0] : null;
            if (switches.Count > 1 || (provider != null && Provider != null && !string.Equals(provider, Provider, StringComparison.OrdinalIgnoreCase)))
                return Fail("Give one provider: -GitHub, -GitLab, -CircleCI, -Buildkite or -Provider.", "TrustProviderAmbiguous");
            provider ??= string.IsNullOrEmpty(Provider) ? null : Provider;
            if (provider != null && !Providers.Any(p => string.Equals(p, provider, StringComparison.OrdinalIgnoreCase)))
                return Fail($"'{provider}' is not a provider this module can configure (GitHub, GitLab, CircleCI, Buildkite).", "TrustProviderUnknown");
            if (provider == null) return Fail("Name the provider: -GitHub, -GitLab, -CircleCI or -Buildkite (or pipe a trusted publisher, which carries it).", "TrustProviderMissing");
            provider = Providers.First(p => string.Equals(p, provider, StringComparison.OrdinalIgnoreCase));

            bool stage = !MyInvocation.BoundParameters.ContainsKey(nameof(AllowStagePublish)) || AllowStagePublish.IsPresent;
            var permissions = new List<string>();
            if (AllowPublish) permissions.Add(NpmTrustClient.CreatePackage);
            if (stage) permissions.Add(NpmTrustClient.CreateStagedPackage);
            if (permissions.Count == 0) return Fail("-AllowStagePublish:$false leaves no permission; add -AllowPublish or keep staging.", "TrustNoPermission");

            var environment = DeploymentEnvironment ?? (InputObject?.Properties["Environment"]?.Value as string);
            var t = new NpmTrustedPublisher
            {
                Package = Package, Provider = provider, Permissions = permissions.ToArray(), Registry = RegistryEndpoint.Safe(registry),
                AllowsDirectPublish = AllowPublish, AllowsStagePublish = stage,
            };
            switch (provider)
            {
                case "GitHub":
                case "GitLab":
                    if (!(Repository is string repository && repository.Length > 0 && WorkflowFile is string file && file.Length > 0))
                        return Fail($"{provider} needs -Repository and -WorkflowFile.", "TrustClaimMissing");
                    // npm's checks (trust-cmd.js, github.js, gitlab.js)
                    if (!file.EndsWith(".yml", StringComparison.Ordinal) && !file.EndsWith(".yaml", StringComparison.Ordinal))
                        return Fail("-WorkflowFile must end in .yml or .yaml.", "TrustClaimInvalid");
                    if (file.IndexOf('/') >= 0 || file.IndexOf('\\') >= 0) return Fail("-WorkflowFile is a file name, not a path.", "TrustClaimInvalid");
                    int parts = repository.Split('/').Length;
                    if (provider == "GitHub" ? parts != 2 : parts < 2)
                        return Fail(provider == "GitHub" ? "-Repository is owner/repository." : "-Repository is group/project or group/subgroup/project.", "TrustClaimInvalid");
                    t.Repository = repository; t.WorkflowFile = file; t.Environment = environment;
                    break;
                case "CircleCI":
                    if (string.IsNullOrEmpty(OrgId) || string.IsNullOrEmpty(ProjectId) || string.IsNullOrEmpty(PipelineDefinitionId) || !(VcsOrigin is string origin && origin.Length > 0))
                        return Fail("CircleCI needs -OrgId, -ProjectId, -PipelineDefinitionId and -VcsOrigin.", "TrustClaimMissing");
                    foreach (var id in new[] { OrgId, ProjectId, PipelineDefinitionId }.Concat(ContextId ?? Array.Empty<string>()))
                        if (!NpmTrustClient.IsUuid(id)) return Fail($"'{id}' is not a UUID (CircleCI ids are).", "TrustClaimInvalid");
                    if (origin.Contains("://") || origin.Split('/').Length < 3) return Fail("-VcsOrigin is host/owner/repo with no scheme (github.com/owner/repo).", "TrustClaimInvalid");
                    t.OrgId = OrgId; t.ProjectId = ProjectId; t.PipelineDefinitionId = PipelineDefinitionId; t.VcsOrigin = VcsOrigin; t.ContextId = ContextId;
                    break;
                case "Buildkite":
                    if (string.IsNullOrEmpty(Organization) || string.IsNullOrEmpty(Pipeline)) return Fail("Buildkite needs -Organization and -Pipeline.", "TrustClaimMissing");
                    t.Organization = Organization; t.Pipeline = Pipeline;
                    break;
            }
            return t;
        }

        private NpmTrustedPublisher? Fail(string message, string id)
        {
            WriteError(new ErrorRecord(new ArgumentException($"{Package}: {message}"), id, ErrorCategory.InvalidArgument, Package));
            return null;
        }

        private static string Describe(NpmTrustedPublisher t) =>
            t.Source + " (" + (t.Permissions == null ? "legacy: no permissions, publishes directly" : string.Join(", ", t.Permissions.Select(p => p == NpmTrustClient.CreatePackage ? "publish" : p == NpmTrustClient.CreateStagedPackage ? "stage publish" : p))) + ")";
    }
}

namespace NpmHardening.Commands
{
    /// <summary>Tab completion for Set-NpmTrustedPublisher -Provider.</summary>
    public sealed class TrustProviderCompleter : IArgumentCompleter
    {
        public System.Collections.Generic.IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            System.Management.Automation.Language.CommandAst commandAst, System.Collections.IDictionary fakeBoundParameters)
        {
            foreach (var p in SetNpmTrustedPublisherCommand.Providers)
                if (p.StartsWith(wordToComplete ?? "", StringComparison.OrdinalIgnoreCase)) yield return new CompletionResult(p);
        }
    }
}
