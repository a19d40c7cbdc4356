using System;
using System.Management.Automation;
using NpmHardening.Engine.Registry;

namespace NpmHardening.Commands
{
    /// <summary>
    /// Shared by the cmdlets that change a staged version (Approve-, Deny-NpmStagedPackage): the stage id from the pipeline,
    /// -Otp, and npm's otplease behaviour as <see cref="NpmSecondFactor"/> applies it to every write: a rejected -Otp is an
    /// error, never a prompt; without -Otp an interactive host is asked once and the code is replayed for the next
    /// staged version of the pipeline; a non-interactive host gets an error that says to pass -Otp.
    /// </summary>
    public abstract class NpmStageWriteCmdlet : NpmRegistryCmdlet
    {
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string StageId { get; set; } = "";

        /// <summary>A current one-time password (npm --otp). Sent as the npm-otp header only; never written anywhere.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Otp { get; set; }

        /// <summary>Writes the staged version (as it was before the change) when the change succeeds.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        private NpmSecondFactor? _secondFactor;

        /// <summary>The change itself (given the code to send and whether it came from -Otp), with npm's OTP rules
        /// (<see cref="NpmSecondFactor"/>, shared with the trust and access cmdlets); false after writing the error.</summary>
        protected bool Change(string registry, RegistryCredential credential, Action<string?, bool> change)
        {
            _secondFactor ??= new NpmSecondFactor(this, Otp);
            return Call(registry, () => _secondFactor.Run<object>(Transport, registry, credential, (otp, fromOtpParameter) =>
            {
                change(otp, fromOtpParameter);
                return new object();
            }, PipelineStopping)) != null;
        }

        /// <summary>The staged item behind <see cref="StageId"/> (for the confirmation text and the review), or null after writing why.</summary>
        protected NpmStagedPackage? Staged(string registry, RegistryCredential credential)
        {
            if (!NpmStageClient.IsStageId(StageId))
            {
                WriteError(new ErrorRecord(new ArgumentException($"'{StageId}' is not a stage id: a stage id is a UUID (Get-NpmStagedPackage lists them)."),
                    "InvalidStageId", ErrorCategory.InvalidArgument, StageId));
                return null;
            }
            return Call(registry, () => new NpmStageClient(Transport).View(registry, credential, StageId, PipelineStopping));
        }
    }

    /// <summary>
    /// The host as npm's prompt: a code read with Host.UI, the web URL as a warning. A class of its own, not an interface
    /// on the cmdlet: PowerShell reflects over cmdlet types when the module is imported, before the engine assembly the
    /// interface lives in can be resolved.
    /// </summary>
    internal sealed class HostOtpPrompt : IRegistryOtpPrompt
    {
        private readonly PSCmdlet _cmdlet;

        public HostOtpPrompt(PSCmdlet cmdlet) { _cmdlet = cmdlet; }

        public string? ReadOtp(string registry)
        {
            try
            {
                _cmdlet.Host.UI.Write($"{registry} requires a one-time password for this change.{System.Environment.NewLine}Enter OTP: ");
                // read as a SecureString: a transcript records what ReadLine returns, and the code is a secret while it lives
                using (var code = _cmdlet.Host.UI.ReadLineAsSecureString())
                    return new System.Net.NetworkCredential("", code).Password;
            }
            catch (Exception e) when (e is PSInvalidOperationException || e is NotImplementedException || e is InvalidOperationException)
            {
                return null;
            }
        }

        public bool ShowWebAuthUrl(string registry, string authUrl)
        {
            _cmdlet.WriteWarning($"{registry} asks for your second factor in the browser. Open this URL and approve; waiting (Ctrl+C stops):{System.Environment.NewLine}{authUrl}");
            return true;
        }
    }
}
