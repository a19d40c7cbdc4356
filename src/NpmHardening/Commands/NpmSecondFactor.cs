using System;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using NpmHardening.Engine.Registry;

namespace NpmHardening.Commands
{
    /// <summary>
    /// npm's otplease, one rule for every cmdlet that changes something behind a second factor (trust, access, staged
    /// versions). A code given with -Otp is sent first; the registry rejecting it is an error, never a prompt, so a script
    /// that passes -Otp never waits for a person (npm on a terminal would ask again). Without -Otp, a challenge asks an
    /// interactive host for the code (or shows the web second-factor URL and polls) and is an error on a non-interactive
    /// one. A code that worked is offered first to the next call of the pipeline, so a person answering for fifty
    /// packages is asked again only when the registry rejects it.
    /// </summary>
    internal sealed class NpmSecondFactor
    {
        private readonly PSCmdlet _cmdlet;
        private readonly string? _given;
        private string? _current;

        public NpmSecondFactor(PSCmdlet cmdlet, string? otp)
        {
            _cmdlet = cmdlet;
            _given = otp;
            _current = otp;
        }

        /// <summary>Runs <paramref name="call"/> (given the code to send and whether it came from -Otp, npm's auth-type legacy) with the replay.</summary>
        public T Run<T>(RegistryTransport transport, string registry, RegistryCredential credential, Func<string?, bool, T> call, CancellationToken cancellationToken)
        {
            // No prompt while the code in play is the one from -Otp: its rejection ends the call with NpmOtpRejected.
            var prompt = _given == null && IsInteractive(_cmdlet) ? new HostOtpPrompt(_cmdlet) : null;
            return RegistryOtp.Run(transport, registry, credential, _current, prompt, otp =>
            {
                var result = call(otp, otp != null && otp == _given);
                if (otp != null) _current = otp;
                return result;
            }, cancellationToken);
        }

        /// <summary>
        /// Whether a person can answer a prompt: not when PowerShell runs with -NonInteractive, in a remote session's server
        /// side, or with redirected input on the console.
        /// </summary>
        public static bool IsInteractive(PSCmdlet cmdlet)
        {
            var host = cmdlet.Host;
            if (host?.UI == null || host.Name == "ServerRemoteHost") return false;
            foreach (var a in System.Environment.GetCommandLineArgs().Skip(1))
            {
                var arg = a.TrimStart('-', '/').ToLowerInvariant();
                if (arg.Length >= 4 && "noninteractive".StartsWith(arg, StringComparison.Ordinal)) return false;
            }
            if (host.Name == "ConsoleHost" && Console.IsInputRedirected) return false;
            return true;
        }
    }

    /// <summary>
    /// npm's advice for bulk trust changes: about two seconds between calls (the registry rate-limits them). Waits only
    /// between calls, never before the first; Ctrl+C ends the wait at once.
    /// </summary>
    internal sealed class TrustCallPacer
    {
        private DateTime? _last;

        public void Wait(double seconds, CancellationToken cancellationToken)
        {
            if (_last is DateTime last && seconds > 0)
            {
                var left = last.AddSeconds(seconds) - DateTime.UtcNow;
                if (left > TimeSpan.Zero) Task.Delay(left, cancellationToken).GetAwaiter().GetResult();
            }
            cancellationToken.ThrowIfCancellationRequested();
        }

        public void Called() => _last = DateTime.UtcNow;
    }
}
