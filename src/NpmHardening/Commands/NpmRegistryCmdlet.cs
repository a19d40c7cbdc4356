using System;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Net;
using System.Security;
using System.Threading;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Registry;
using NpmHardening.Engine.Rules;

namespace NpmHardening.Commands
{
    /// <summary>
    /// Shared by the cmdlets that ask a registry about the user: which registry, which credential (the one npm
    /// would send, from the resolved configuration, or -Token / -Credential), the client, and registry errors as
    /// non-terminating error records. Verbose lines name the registry and where the credential came from, never it.
    /// One <see cref="RegistryTransport"/> per pipeline carries every request, and Ctrl+C (StopProcessing) cancels the one
    /// in flight. -Audit and its filters are on <see cref="NpmRegistryAuditCmdlet"/>; -Otp on <see cref="NpmStageWriteCmdlet"/>.
    /// </summary>
    public abstract class NpmRegistryCmdlet : NpmHardeningCmdlet
    {
        // virtual so that a cmdlet whose own parameter takes position 0 (Compare-NpmStagedPackage's -Path) can declare it
        // again without the position: PowerShell reads the attributes of the most derived declaration only
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public virtual string? Registry { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = "Token")]
        [ValidateNotNull]
        public SecureString? Token { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = "Credential")]
        [ValidateNotNull]
        [System.Management.Automation.Credential]
        public PSCredential? Credential { get; set; }

        [Parameter(ParameterSetName = "Config")]
        [ValidateNotNullOrEmpty]
        public string? UserProfile { get; set; }

        [Parameter(ParameterSetName = "Config")]
        public System.Collections.Hashtable? Environment { get; set; }

        [Parameter]
        [ValidateRange(1, 300)]
        public int TimeoutSec { get; set; } = 10;

        /// <summary>The proxy for requests to remote registries; without it, only a proxy the npm configuration names.</summary>
        [Parameter]
        [ValidateNotNull]
        [ValidateProxy]
        public Uri? Proxy { get; set; }

        private NpmConfigResolution? _resolution;
        private UserProfileInfo? _profile;
        private NpmRegistryClient? _client;
        private RegistryTransport? _transport;
        private readonly CancellationTokenSource _stopping = new CancellationTokenSource();
        private readonly ConcurrentQueue<string> _log = new ConcurrentQueue<string>();

        protected override void EndProcessing() => DisposeClient();

        protected override void StopProcessing()
        {
            // Ctrl+C: the request in flight (a 429 wait, a web second-factor poll, a download) ends now
            try { _stopping.Cancel(); } catch (ObjectDisposedException) { }
        }

        protected void DisposeClient()
        {
            _client?.Dispose();
            _client = null;
            _transport?.Dispose();
            _transport = null;
        }

        /// <summary>Cancelled when the pipeline is stopped.</summary>
        protected CancellationToken PipelineStopping => _stopping.Token;

        /// <summary>npm's configuration for the current folder (or -UserProfile's user), resolved once per pipeline.</summary>
        private NpmConfigResolution Resolution
        {
            get
            {
                if (_resolution != null) return _resolution;
                string? home = null;
                if (UserProfile != null)
                {
                    foreach (var folder in ResolveProfileFolders(new[] { UserProfile })) home = folder;
                    if (home == null) ThrowTerminatingError(new ErrorRecord(new ArgumentException($"'{UserProfile}' is not a profile folder."), "ProfileFolderNotFound", ErrorCategory.ObjectNotFound, UserProfile));
                    _profile = PostureScanner.ProfileFor(SystemPlatform.Instance, home!);
                }
                _resolution = NpmConfigResolver.Resolve(new NpmConfigRequest
                {
                    Platform = SystemPlatform.Instance,
                    WorkingDirectory = CurrentFileSystemDirectory,
                    Environment = Environment != null ? ToEnvironment(Environment, SystemPlatform.Instance.IsWindows) : null,
                    UserProfile = home,
                });
                return _resolution;
            }
        }

        /// <summary>
        /// Whose secrets the configured credential may use, as Test-NpmrcToken -Online decides: for -UserProfile only that
        /// account's own variables, never this process's; for the current user this process's variables.
        /// </summary>
        private SecretProvenance Provenance()
        {
            var platform = SystemPlatform.Instance;
            var resolution = Resolution;
            if (UserProfile != null) return new SecretProvenance(platform, AuditedAccount.ForProfile(_profile), null, _profile);
            var context = PostureContext.CurrentUser(platform, Environment != null ? resolution.Environment : null, CurrentFileSystemDirectory);
            return new SecretProvenance(platform, AuditedAccount.CurrentProcess(platform), resolution.Environment, context.Profile);
        }

        /// <summary>The transport every request of this pipeline shares, made on first use with the proxy asked for: -Proxy, else the one the npm configuration names.</summary>
        protected RegistryTransport Transport
        {
            get
            {
                if (_transport != null) return _transport;
                var proxy = Proxy != null ? RegistryProxy.FromParameter(Proxy) : RegistryProxy.FromConfiguration(Resolution);
                if (proxy != null) WriteVerbose($"Remote registries are asked through the proxy {proxy}.");
                _transport = new RegistryTransport(new RegistryClientOptions { Timeout = TimeSpan.FromSeconds(TimeoutSec), Log = _log.Enqueue, Proxy = proxy });
                return _transport;
            }
        }

        /// <summary>The account endpoints (whoami, profile, tokens) over <see cref="Transport"/>.</summary>
        protected NpmRegistryClient Client => _client ??= new NpmRegistryClient(Transport);

        /// <summary>-Registry, else the registry npm's configuration names, else the public one; with a trailing slash.</summary>
        protected string ChosenRegistry()
        {
            string registry;
            if (Registry != null) registry = Registry;
            else if (Resolution.GetEffective("registry")?.Value is string configured && configured.Length > 0) registry = configured;
            else registry = "https://registry.npmjs.org/";
            return registry.EndsWith("/", StringComparison.Ordinal) ? registry : registry + "/";
        }

        /// <summary>
        /// For a read that works without a credential (a public package document): the credential npm would attach to
        /// <paramref name="registry"/> when there is one it may use, else null (said in the verbose stream).
        /// </summary>
        protected RegistryCredential? OptionalCredential(string registry)
        {
            var shown = RegistryEndpoint.Safe(registry);
            var credential = RegistryCredentials.ForUrl(Resolution, registry + "-/whoami", Provenance());
            if (credential == null || credential.Refusal != null || !credential.CanAuthorize)
            {
                WriteVerbose($"{shown}: asked without a credential ({(credential?.Refusal != null ? "npm's is a reference, not checked" : "npm's configuration has none for it")}).");
                return null;
            }
            WriteVerbose($"{shown}: using the {credential.Kind} credential from {credential.Source ?? "?"} (fingerprint {credential.Fingerprint}).");
            return credential;
        }

        /// <summary>The registry and credential to use, or null after writing why there is none.</summary>
        private (string Registry, RegistryCredential Credential)? Target()
        {
            var registry = ChosenRegistry();
            var shown = RegistryEndpoint.Safe(registry);

            RegistryCredential? credential;
            try
            {
                if (Token != null) credential = RegistryCredential.FromToken(new NetworkCredential("", Token).Password, "-Token");
                else if (Credential != null) credential = RegistryCredential.FromUserPassword(Credential.UserName, Credential.GetNetworkCredential().Password, "-Credential");
                else
                {
                    // the credential npm attaches to a request for {registry}-/whoami (npm-registry-fetch getAuth), its
                    // secret taken only where the online checks allow
                    credential = RegistryCredentials.ForUrl(Resolution, registry + "-/whoami", Provenance());
                    if (credential?.Refusal != null)
                    {
                        WriteError(new ErrorRecord(new InvalidOperationException(
                                $"{shown}: npm's credential ({credential.Kind} from {credential.Source ?? "?"}) is a reference, not checked: {credential.Refusal}. Nothing was sent. Pass -Token or -Credential to ask with a credential of your own."),
                            "NpmCredentialReferenceNotChecked", ErrorCategory.SecurityError, shown));
                        return null;
                    }
                    if (credential == null || !credential.CanAuthorize)
                    {
                        WriteError(new ErrorRecord(new InvalidOperationException(
                                $"npm's configuration for {CurrentFileSystemDirectory} has no token or password for {shown}" +
                                (credential != null ? $" (only a client certificate, {credential.Source}, which this module does not send)" : "") +
                                $". Log in (npm login --registry={shown}) or pass -Token or -Credential."),
                            "NpmCredentialNotFound", ErrorCategory.ObjectNotFound, shown));
                        return null;
                    }
                }
            }
            catch (ArgumentException e)
            {
                WriteError(new ErrorRecord(e, "NpmCredentialInvalid", ErrorCategory.InvalidArgument, shown));
                return null;
            }
            WriteVerbose($"{shown}: using the {credential.Kind} credential from {credential.Source ?? "?"} (fingerprint {credential.Fingerprint}).");
            return (registry, credential);
        }

        protected override void ProcessRecord()
        {
            var target = Target();
            if (target != null) Ask(target.Value.Registry, target.Value.Credential);
        }

        /// <summary>What the cmdlet asks <paramref name="registry"/> with <paramref name="credential"/>, once per input record.</summary>
        protected abstract void Ask(string registry, RegistryCredential credential);

        /// <summary>Runs a registry call; its log lines become verbose output on this thread, failures error records.</summary>
        protected T? Call<T>(string registry, Func<T> call) where T : class
        {
            try { return call(); }
            catch (RegistryException e)
            {
                WriteError(new ErrorRecord(e, ErrorId(e), Category(e.Kind), e.Registry));
                return null;
            }
            catch (OperationCanceledException) when (PipelineStopping.IsCancellationRequested)
            {
                return null;
            }
            finally
            {
                FlushLog();
            }
        }

        /// <summary>The transport's log lines so far, as verbose output (on the pipeline thread).</summary>
        protected void FlushLog()
        {
            while (_log.TryDequeue(out var line)) WriteVerbose(line);
        }

        /// <summary>NpmRegistry&lt;Kind&gt;, or a second-factor id scripts can branch on.</summary>
        internal static string ErrorId(RegistryException e) =>
            e.NeedsOtp ? (e.OtpWasSent ? "NpmOtpRejected" : "NpmOtpRequired")
            : e.AddressNotAllowed ? "NpmAddressNotAllowed"
            : "NpmRegistry" + e.Kind;

        private static ErrorCategory Category(RegistryErrorKind kind) => kind switch
        {
            RegistryErrorKind.Refused => ErrorCategory.SecurityError,
            RegistryErrorKind.CrossOriginRedirect => ErrorCategory.SecurityError,
            RegistryErrorKind.Tls => ErrorCategory.SecurityError,
            RegistryErrorKind.Timeout => ErrorCategory.OperationTimeout,
            RegistryErrorKind.Network => ErrorCategory.ConnectionError,
            RegistryErrorKind.Unauthorized => ErrorCategory.AuthenticationError,
            RegistryErrorKind.NotFound => ErrorCategory.ObjectNotFound,
            RegistryErrorKind.IntegrityMismatch => ErrorCategory.SecurityError,
            RegistryErrorKind.RateLimited => ErrorCategory.LimitsExceeded,
            _ => ErrorCategory.InvalidResult,
        };
    }

    /// <summary>
    /// A registry cmdlet that can judge what it reads: -Audit writes findings from catalog rules instead of the registry's
    /// objects, filtered by -Policy, -ExcludeRule and -Severity.
    /// </summary>
    public abstract class NpmRegistryAuditCmdlet : NpmRegistryCmdlet
    {
        /// <summary>Findings from catalog rules (the online rules NPMH71xx, the staged publishing rules NPMH11xxx) instead of the registry's objects.</summary>
        [Parameter]
        public SwitchParameter Audit { get; set; }

        // -Policy, -ExcludeRule and -Severity as on the offline audits (NpmAuditCmdlet); declared on each base because a
        // binary cmdlet's parameters are its properties. They act only on -Audit's findings (see BeginProcessing).
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Policy { get; set; }

        [Parameter]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(NpmRuleIdCompleter))]
        [ValidateNotNullOrEmpty]
        [ValidateWildcardPattern]
        public string[]? ExcludeRule { get; set; }

        // an int behind the enum, as on NpmAuditCmdlet: a field of an engine enum would need the engine to lay out this class
        private int _severity = -1;

        [Parameter]
        public NpmSeverity Severity { get => (NpmSeverity)Math.Max(0, _severity); set => _severity = (int)value; }

        /// <summary>-Audit's policy and filters; null without -Audit.</summary>
        private NpmAuditSelection? _selection;

        /// <summary>The policy file -Policy named (null without one, or without -Audit).</summary>
        protected NpmHardeningPolicy? AuditPolicy => _selection?.Policy;

        /// <summary>
        /// Without -Audit the cmdlet writes the registry's objects, which no rule judges: -Policy, -ExcludeRule and -Severity
        /// are then refused rather than silently ignored.
        /// </summary>
        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            if (!Audit)
            {
                var given = Array.FindAll(new[] { nameof(Policy), nameof(ExcludeRule), nameof(Severity) }, MyInvocation.BoundParameters.ContainsKey);
                if (given.Length > 0)
                    ThrowTerminatingError(new ErrorRecord(new ArgumentException(
                            $"-{string.Join(", -", given)} select(s) findings and needs -Audit: without it {MyInvocation.MyCommand.Name} writes the registry's objects, not findings."),
                        "AuditParameterWithoutAudit", ErrorCategory.InvalidArgument, null));
                return;
            }
            _selection = NpmAuditSelection.Load(this, Policy, ExcludeRule, _severity >= 0 ? Severity : (NpmSeverity?)null);
        }

        protected override void EndProcessing()
        {
            _selection?.ReportUnusedExceptions();
            base.EndProcessing();
        }

        /// <summary>
        /// -Audit's findings, each filtered by -ExcludeRule and -Severity and marked Suppressed when a policy exception covers
        /// it (an exception's Location may name the registry or the configuration line of the credential), then rendered.
        /// </summary>
        protected void WriteFindings(System.Collections.Generic.IEnumerable<NpmFinding> findings)
        {
            foreach (var finding in findings)
                if (_selection!.Apply(finding))
                    WriteObject(Rendering.RemediationRenderer.Render(finding));
        }
    }

    [Cmdlet(VerbsCommon.Get, "NpmAccount", DefaultParameterSetName = "Config")]
    [OutputType(typeof(NpmAccount))]
    [OutputType(typeof(NpmSecurityFinding))]
    public sealed class GetNpmAccountCommand : NpmRegistryAuditCmdlet
    {
        protected override void Ask(string registry, RegistryCredential credential)
        {
            var account = Call(registry, () => Client.GetAccount(registry, credential));
            if (account == null) return;
            if (!Audit) { WriteObject(account); return; }
            WriteFindings(OnlineAudit.ForAccount(account));
            if (!account.ProfileAvailable) WriteWarning($"{RegistryEndpoint.Safe(registry)} has no profile endpoint (/-/npm/v1/user), so its two-factor mode cannot be judged.");
        }
    }

    [Cmdlet(VerbsCommon.Get, "NpmAccessToken", DefaultParameterSetName = "Config")]
    [OutputType(typeof(NpmAccessToken))]
    [OutputType(typeof(NpmSecurityFinding))]
    public sealed class GetNpmAccessTokenCommand : NpmRegistryAuditCmdlet
    {
        protected override void Ask(string registry, RegistryCredential credential)
        {
            var tokens = Call(registry, () => Client.GetTokens(registry, credential));
            if (tokens == null) return;
            WriteVerbose($"{RegistryEndpoint.Safe(registry)}: {tokens.Count} token(s).");
            if (Audit) WriteFindings(OnlineAudit.ForTokens(RegistryEndpoint.Safe(registry), tokens));
            else
                foreach (var t in tokens) WriteObject(t);
        }
    }
}
