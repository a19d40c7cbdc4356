using System;
using System.Threading;

namespace NpmHardening.Engine.Registry
{
    /// <summary>
    /// npm's <c>otplease</c> (lib/utils/auth.js): run a write; when the registry answers with an OTP challenge and someone
    /// can answer it, replay the write once with the code. The web second factor (a challenge naming authUrl/doneUrl)
    /// shows the URL, polls the done URL and replays with the code it returns; otherwise the prompt is asked for a code.
    /// Without a prompt (a non-interactive host, as npm's check of a TTY) the challenge is the caller's error.
    /// </summary>
    public static class RegistryOtp
    {
        /// <param name="call">The write, given the one-time password to send (null: none).</param>
        public static T Run<T>(RegistryTransport transport, string registry, RegistryCredential? credential, string? otp,
            IRegistryOtpPrompt? prompt, Func<string?, T> call, CancellationToken cancellationToken = default)
        {
            if (transport == null) throw new ArgumentNullException(nameof(transport));
            if (call == null) throw new ArgumentNullException(nameof(call));
            try
            {
                return call(string.IsNullOrEmpty(otp) ? null : otp);
            }
            catch (RegistryException e) when (e.NeedsOtp && prompt != null)
            {
                string? code = null;
                if (e.WebAuthUrl != null && e.WebDoneUrl != null && prompt.ShowWebAuthUrl(RegistryEndpoint.Safe(registry), e.WebAuthUrl))
                {
                    var done = e.WebDoneUrl;
                    code = RegistryTransport.Sync(() => transport.WaitForWebAuthAsync(done, registry, credential, cancellationToken));
                }
                else code = prompt.ReadOtp(RegistryEndpoint.Safe(registry));
                if (string.IsNullOrEmpty(code)) throw;
                return call(code!.Trim());
            }
        }
    }
}
