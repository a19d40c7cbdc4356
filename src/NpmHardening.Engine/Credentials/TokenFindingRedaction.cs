using NpmHardening.Engine.Findings;

namespace NpmHardening.Engine.Credentials
{
    /// <summary>
    /// A token finding as it may leave the engine: a key, a variable name or a registry scope can hold a secret of its
    /// own (a line that lost its '=', <c>//user:pass@host/</c>), and messages, reasons and fixes quote them. Idempotent,
    /// so the npmrc analyzer and the token scanner (after an online check) may both apply it. Sets the FactId from the
    /// redacted key and the fingerprint.
    /// </summary>
    internal static class TokenFindingRedaction
    {
        public static NpmTokenFinding Apply(NpmTokenFinding f, bool windows)
        {
            var key = NpmCredential.RedactEmbedded(f.Key);
            if (key != f.Key)
            {
                if (f.Message != null) f.Message = f.Message.Replace(f.Key, key);
                if (f.Remediation != null) f.Remediation.Summary = f.Remediation.Summary.Replace(f.Key, key);
                f.Key = key;
            }
            if (f.Registry != null) f.Registry = NpmCredential.RedactEmbedded(f.Registry);
            if (f.CheckedRegistry != null) f.CheckedRegistry = NpmCredential.RedactText(f.CheckedRegistry);
            if (f.Message != null) f.Message = NpmCredential.RedactText(f.Message);
            if (f.Remediation != null)
            {
                f.Remediation.Summary = NpmCredential.RedactText(f.Remediation.Summary);
                if (f.Remediation.NpmCommand != null) f.Remediation.NpmCommand = NpmCredential.RedactText(f.Remediation.NpmCommand);
                if (f.Remediation.PowerShell != null) f.Remediation.PowerShell = NpmCredential.RedactText(f.Remediation.PowerShell);
            }
            if (f.SeverityReason != null) f.SeverityReason = NpmCredential.RedactText(f.SeverityReason);
            if (f.Remediation != null)
                foreach (var fix in f.Remediation.Fixes) fix.Finish(t => t == null ? null : NpmCredential.RedactText(NpmCredential.RedactEmbedded(t)), windows);
            f.FactId = FindingFactory.FactId(f, f.Key, f.Fingerprint);
            return f;
        }
    }
}
