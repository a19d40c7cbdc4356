using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using NpmHardening.Engine.Credentials;

namespace NpmHardening.Engine.Rules
{
    /// <summary>
    /// The last line of defence before a finding leaves the engine: every secret the audit saw (config values
    /// under credential keys, token-bearing variables, passwords in URLs, decoded _auth) is replaced by its
    /// redacted form in every text property, and anything shaped like a token or a URL password is redacted
    /// even when nobody registered it.
    /// </summary>
    internal sealed class SecretScrubber
    {
        /// <summary>Shorter values are too likely to be ordinary words to replace everywhere.</summary>
        private const int MinimumSecretLength = 6;

        // Interpreted, not RegexOptions.Compiled: compiling emits and JIT-compiles code at first use, tens of
        // milliseconds in every fresh process, for the few short texts one run scrubs.
        private static readonly Regex TokenInText = new Regex(
            @"npm_[0-9A-Za-z]{36}|(?<![0-9A-Za-z\\/{-])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![0-9A-Za-z\\/}-])",
            RegexOptions.CultureInvariant);
        /// <summary>Quotes end a URL in the texts scrubbed here (messages quote values).</summary>
        private const string Quotes = "'\"";

        private readonly HashSet<string> _secrets = new HashSet<string>(StringComparer.Ordinal);
        private List<string>? _ordered;

        /// <summary>Registers a secret (and, for base64 values, what they decode to).</summary>
        public void Add(string? secret)
        {
            if (secret == null) return;
            var s = secret.Trim();
            if (s.Length < MinimumSecretLength) return;
            if (_secrets.Add(s)) _ordered = null;
            foreach (var m in UrlPasswordFinder.Find(s, Quotes)) AddExact(m.Password(s));
            // _auth is base64("user:password"), _password base64("password"): the decoded forms are secrets too
            var decoded = TryBase64(s);
            if (decoded != null)
            {
                AddExact(decoded);
                int colon = decoded.IndexOf(':');
                if (colon >= 0) AddExact(decoded.Substring(colon + 1));
            }
        }

        private void AddExact(string s)
        {
            if (s.Length >= MinimumSecretLength && _secrets.Add(s)) _ordered = null;
        }

        /// <summary>
        /// Redacts URL passwords and token-shaped text without knowing any secret. A UUID inside a path or braces
        /// ({GUID} folders, C:\...\5f0e…\) is a name, not a legacy token, and stays.
        /// </summary>
        public static string RedactInline(string text)
        {
            var t = text;
            // cheap checks first: most text holds neither shape
            if (t.IndexOf("://", StringComparison.Ordinal) >= 0 && t.IndexOf('@') >= 0)
                t = UrlPasswordFinder.Replace(text, m => m.Prefix(text) + "***@", Quotes);
            if (t.IndexOf("npm_", StringComparison.Ordinal) >= 0 || t.IndexOf('-') >= 0)
                t = TokenInText.Replace(t, m => NpmCredential.Redact(m.Value));
            return t;
        }

        public string? Scrub(string? text)
        {
            if (string.IsNullOrEmpty(text)) return text;
            _ordered ??= _secrets.OrderByDescending(s => s.Length).ThenBy(s => s, StringComparer.Ordinal).ToList();
            var t = text!;
            foreach (var secret in _ordered)
                if (t.IndexOf(secret, StringComparison.Ordinal) >= 0) t = t.Replace(secret, NpmCredential.Redact(secret));
            return RedactInline(t);
        }

        public void Scrub(NpmSecurityFinding f)
        {
            f.RuleId = Scrub(f.RuleId) ?? "";
            f.Title = Scrub(f.Title) ?? "";
            f.Setting = Scrub(f.Setting);
            f.Actual = Scrub(f.Actual);
            f.Expected = Scrub(f.Expected);
            f.Layer = Scrub(f.Layer);
            if (f.Location != null)
            {
                f.Location.Path = Scrub(f.Location.Path);
                f.Location.Name = Scrub(f.Location.Name);
                f.Location.Uri = Scrub(f.Location.Uri);
            }
            f.Context = Scrub(f.Context);
            f.Message = Scrub(f.Message) ?? "";
            f.SeverityReason = Scrub(f.SeverityReason);
            if (f.Remediation != null)
            {
                f.Remediation.Summary = Scrub(f.Remediation.Summary) ?? "";
                f.Remediation.Setting = Scrub(f.Remediation.Setting);
                f.Remediation.Value = Scrub(f.Remediation.Value);
                f.Remediation.NpmCommand = Scrub(f.Remediation.NpmCommand);
                f.Remediation.PowerShell = Scrub(f.Remediation.PowerShell);
                f.Remediation.WebSteps = f.Remediation.WebSteps.Select(w => Scrub(w) ?? "").ToArray();
                foreach (var fix in f.Remediation.Fixes) fix.Finish(Scrub, fix.Windows);
            }
            f.Reference = Scrub(f.Reference);
            f.Baseline = Scrub(f.Baseline);
        }

        private static string? TryBase64(string s)
        {
            if (s.Length % 4 != 0 || s.Length < 8) return null;
            foreach (var c in s)
                if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=')) return null;
            try
            {
                var text = new UTF8Encoding(false, true).GetString(Convert.FromBase64String(s));
                foreach (var c in text) if (char.IsControl(c)) return null;
                return text;
            }
            catch (FormatException) { return null; }
            catch (ArgumentException) { return null; }
        }
    }
}
