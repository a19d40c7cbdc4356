using System;
using System.Linq;
using System.Management.Automation;
using NpmHardening.Engine.Registry;

namespace NpmHardening.Commands
{
    /// <summary>
    /// npm trust revoke with ShouldProcess (ConfirmImpact High): deletes a package's trusted publisher, the one -ConfigId
    /// names or, without it, every one the package has (read first, so the confirmation says what goes).
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "NpmTrustedPublisher", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = "Config")]
    [OutputType(typeof(NpmTrustedPublisher))]
    public sealed class RemoveNpmTrustedPublisherCommand : NpmRegistryCmdlet
    {
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [Alias("Name")]
        public string Package { get; set; } = "";

        /// <summary>The configuration's id (Get-NpmTrustedPublisher shows it; npm trust revoke --id).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        public string? ConfigId { get; set; }

        [Parameter] [ValidateNotNullOrEmpty] public string? Otp { get; set; }

        [Parameter] [ValidateRange(0, 60)] public double PauseSeconds { get; set; } = 2;

        /// <summary>Writes each configuration deleted.</summary>
        [Parameter] public SwitchParameter PassThru { get; set; }

        private NpmSecondFactor? _otp;
        private readonly TrustCallPacer _pacer = new TrustCallPacer();

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            _otp = new NpmSecondFactor(this, Otp);
        }

        protected override void Ask(string registry, RegistryCredential credential)
        {
            if (PipelineStopping.IsCancellationRequested) return;
            if (NpmStageClient.CheckPackageName(Package) is string why)
            {
                WriteError(new ErrorRecord(new ArgumentException($"'{Package}': {why}."), "InvalidPackageName", ErrorCategory.InvalidArgument, Package));
                return;
            }
            if (string.IsNullOrEmpty(ConfigId)) ConfigId = null;
            if (ConfigId != null && !NpmTrustClient.IsUuid(ConfigId))
            {
                WriteError(new ErrorRecord(new ArgumentException($"'{ConfigId}' is not a trust configuration id (a UUID; Get-NpmTrustedPublisher shows it)."), "InvalidTrustConfigId", ErrorCategory.InvalidArgument, ConfigId));
                return;
            }
            var client = new NpmTrustClient(Transport);
            var existing = Trust(registry, (otp, legacy) => client.List(registry, credential, Package, otp, PipelineStopping, legacy), credential);
            if (existing == null) return;
            var doomed = existing.Where(e => ConfigId == null || string.Equals(e.ConfigId, ConfigId, StringComparison.OrdinalIgnoreCase)).ToList();
            if (doomed.Count == 0)
            {
                WriteError(new ErrorRecord(new ItemNotFoundException($"{Package} has no trusted publisher" + (ConfigId != null ? $" with id {ConfigId}" : "") + "."),
                    "TrustedPublisherNotFound", ErrorCategory.ObjectNotFound, Package));
                return;
            }
            foreach (var old in doomed)
            {
                if (old.ConfigId == null || !NpmTrustClient.IsUuid(old.ConfigId))
                {
                    WriteError(new ErrorRecord(new InvalidOperationException($"{Package}: the registry gives the trusted publisher {old.Source} no valid id; it cannot be deleted."), "TrustConfigIdMissing", ErrorCategory.InvalidResult, Package));
                    continue;
                }
                if (!ShouldProcess($"{Package} at {RegistryEndpoint.Safe(registry)}", $"Delete the trusted publisher {old.Source} [{old.ConfigId}]")) continue;
                var id = old.ConfigId;
                var ok = Trust(registry, (otp, legacy) => { client.Delete(registry, credential, Package, id, otp, PipelineStopping, legacy); return new object(); }, credential);
                if (ok == null) continue;
                WriteVerbose($"{Package}: deleted the trusted publisher {old.Source} [{id}].");
                if (PassThru) WriteObject(old);
            }
        }

        private T? Trust<T>(string registry, Func<string?, bool, T> call, RegistryCredential credential) where T : class =>
            Call(registry, () =>
            {
                _pacer.Wait(PauseSeconds, PipelineStopping);
                try { return _otp!.Run(Transport, registry, credential, call, PipelineStopping); }
                finally { _pacer.Called(); }
            });
    }
}
