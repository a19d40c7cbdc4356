using System;
using System.Collections.Generic;
using System.Management.Automation;
using NpmHardening.Engine.Registry;

namespace NpmHardening.Commands
{
    /// <summary>
    /// npm access set mfa=… and status=… with ShouldProcess (ConfirmImpact High): -RequireTwoFactor -DisallowTokens is
    /// npm's mfa=publish (the website's "Require two-factor authentication and disallow tokens"), -RequireTwoFactor alone
    /// mfa=automation (tokens may still publish), -RequireTwoFactor:$false mfa=none; -Visibility Public|Restricted is
    /// status=public|private (scoped packages only). The registry cannot be asked what is set: -PassThru returns what this
    /// call set, and that is the only place the module knows the policy from.
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "NpmPackageAccess", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = "Config")]
    [OutputType(typeof(NpmPackageAccess))]
    public sealed class SetNpmPackageAccessCommand : NpmRegistryCmdlet
    {
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [Alias("Name")]
        public string Package { get; set; } = "";

        [Parameter] public SwitchParameter RequireTwoFactor { get; set; }

        /// <summary>With -RequireTwoFactor: tokens (automation and granular ones without bypass) cannot publish either.</summary>
        [Parameter] public SwitchParameter DisallowTokens { get; set; }

        [Parameter]
        [ValidateSet("Public", "Restricted", IgnoreCase = true)]
        public string? Visibility { get; set; }

        [Parameter] [ValidateNotNullOrEmpty] public string? Otp { get; set; }

        [Parameter] public SwitchParameter PassThru { get; set; }

        private NpmSecondFactor? _otp;
        private int _count;

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            bool twoFactor = MyInvocation.BoundParameters.ContainsKey(nameof(RequireTwoFactor));
            if (DisallowTokens && !RequireTwoFactor)
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("-DisallowTokens needs -RequireTwoFactor (npm's mfa=publish requires two-factor authentication and disallows tokens)."), "AccessDisallowTokensWithoutTwoFactor", ErrorCategory.InvalidArgument, null));
            if (!twoFactor && Visibility == null)
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("Say what to set: -RequireTwoFactor [-DisallowTokens], -RequireTwoFactor:$false, or -Visibility."), "AccessNothingToSet", ErrorCategory.InvalidArgument, null));
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
            if (Visibility != null && !Package.StartsWith("@", StringComparison.Ordinal))
            {
                WriteError(new ErrorRecord(new ArgumentException($"'{Package}': only scoped packages can change their visibility."), "AccessVisibilityUnscoped", ErrorCategory.InvalidArgument, Package));
                return;
            }
            _count++;
            WriteProgress(new ProgressRecord(14, "Setting package access", $"{_count}: {Package}"));
            var client = new NpmAccessClient(Transport);
            var result = new NpmPackageAccess { Package = Package, Registry = RegistryEndpoint.Safe(registry) };
            var target = $"{Package} at {RegistryEndpoint.Safe(registry)}";
            bool changed = false;
            if (MyInvocation.BoundParameters.ContainsKey(nameof(RequireTwoFactor)))
            {
                var policy = !RequireTwoFactor ? "None" : DisallowTokens ? "RequireTwoFactorDisallowTokens" : "RequireTwoFactor";
                var words = !RequireTwoFactor ? "Do not require two-factor authentication to publish (npm access set mfa=none)"
                    : DisallowTokens ? "Require two-factor authentication and disallow tokens (npm access set mfa=publish)"
                    : "Require two-factor authentication; tokens may still publish (npm access set mfa=automation)";
                if (ShouldProcess(target, words))
                {
                    var ok = Call(registry, () => _otp!.Run(Transport, registry, credential, (otp, legacy) =>
                    {
                        client.SetTwoFactor(registry, credential, Package, RequireTwoFactor, DisallowTokens, otp, PipelineStopping, legacy);
                        return new object();
                    }, PipelineStopping));
                    if (ok == null) return;
                    result.TwoFactorPolicy = policy;
                    result.TwoFactorPolicySource = "SetByThisCommand";
                    changed = true;
                    WriteVerbose($"{Package}: {words}: done.");
                }
            }
            if (Visibility != null)
            {
                bool isPublic = string.Equals(Visibility, "Public", StringComparison.OrdinalIgnoreCase);
                if (ShouldProcess(target, isPublic ? "Make the package public (npm access set status=public)" : "Make the package restricted (npm access set status=private)"))
                {
                    var ok = Call(registry, () => _otp!.Run(Transport, registry, credential, (otp, legacy) =>
                    {
                        client.SetVisibility(registry, credential, Package, isPublic, otp, PipelineStopping, legacy);
                        return new object();
                    }, PipelineStopping));
                    if (ok == null) return;
                    result.Visibility = isPublic ? "Public" : "Restricted";
                    changed = true;
                }
            }
            if (changed && PassThru) WriteObject(result);
        }

        protected override void EndProcessing()
        {
            if (_count > 0) WriteProgress(new ProgressRecord(14, "Setting package access", "Done") { RecordType = ProgressRecordType.Completed });
            base.EndProcessing();
        }
    }
}
