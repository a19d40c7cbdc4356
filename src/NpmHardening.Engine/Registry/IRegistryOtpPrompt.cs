namespace NpmHardening.Engine.Registry
{
    /// <summary>
    /// Who answers a registry's second-factor challenge. Called on the thread that runs <see cref="RegistryOtp.Run{T}"/>
    /// (a cmdlet's pipeline thread), so an implementation may use the host. A non-interactive caller passes no prompt.
    /// </summary>
    public interface IRegistryOtpPrompt
    {
        /// <summary>A one-time password for <paramref name="registry"/>; null or empty when none is given (the challenge then fails).</summary>
        string? ReadOtp(string registry);

        /// <summary>
        /// npm's web second factor: tell the user to open <paramref name="authUrl"/>. False when nobody can (the classic
        /// prompt is then used instead).
        /// </summary>
        bool ShowWebAuthUrl(string registry, string authUrl);
    }
}
