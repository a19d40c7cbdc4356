using System;
using System.Collections.Generic;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace NpmHardening.Engine.Reports
{
    /// <summary>Text shared by the report writers: labels, ordering keys and the fingerprint of a fact.</summary>
    internal static class ReportText
    {
        internal static readonly UTF8Encoding Utf8NoBom = new UTF8Encoding(false);
        internal static readonly UTF8Encoding Utf8Bom = new UTF8Encoding(true);

        /// <summary>Fail, Warning and Error: what a reader has to act on (Suppressed ones are counted apart).</summary>
        internal static bool IsProblem(NpmFindingStatus status) =>
            status == NpmFindingStatus.Fail || status == NpmFindingStatus.Warning || status == NpmFindingStatus.Error;

        /// <summary>A sentence: SARIF viewers and the validator expect messages that end with a full stop.</summary>
        internal static string Sentence(string? text, string fallback)
        {
            var t = (string.IsNullOrWhiteSpace(text) ? fallback : text!).Trim();
            if (t.Length == 0) t = "No message";
            char last = t[t.Length - 1];
            return last == '.' || last == '!' || last == '?' ? t : t + ".";
        }

        internal static string Location(NpmFinding f) => f.Location?.ToString() ?? "";

        /// <summary>
        /// What identifies a fact for fingerprints: the rule and the FactId the audit gave it, else the rule, the
        /// location and the context. Never the machine, the user running the report or the time.
        /// </summary>
        internal static string FactKey(NpmFinding f)
        {
            var fact = !string.IsNullOrEmpty(f.FactId) ? "fact:" + f.FactId : "at:" + Location(f) + "\u001f" + (f.Context ?? "");
            return (f.RuleId ?? "") + "\u001f" + fact;
        }

        internal static string Hash(string text)
        {
            using var sha = SHA256.Create();
            var bytes = sha.ComputeHash(Encoding.UTF8.GetBytes(text));
            var sb = new StringBuilder(32);
            for (int i = 0; i < 16; i++) sb.Append(bytes[i].ToString("x2", CultureInfo.InvariantCulture));
            return sb.ToString();
        }

        /// <summary>The remediation as one line of text (CSV, JUnit): summary, setting, npm command, web steps, PowerShell.</summary>
        internal static string Remediation(NpmRemediation? r)
        {
            if (r == null) return "";
            var parts = new List<string>();
            if (!string.IsNullOrEmpty(r.Summary)) parts.Add(Sentence(r.Summary, ""));
            if (!string.IsNullOrEmpty(r.Setting)) parts.Add($"Set {r.Setting}={r.Value}" + (string.IsNullOrEmpty(r.Scope) ? "" : $" ({r.Scope})"));
            if (!string.IsNullOrEmpty(r.NpmCommand)) parts.Add("npm: " + r.NpmCommand);
            if (r.WebSteps != null && r.WebSteps.Length > 0) parts.Add("Web: " + string.Join("; ", r.WebSteps));
            if (!string.IsNullOrEmpty(r.PowerShell)) parts.Add("PowerShell: " + r.PowerShell);
            return string.Join(Environment.NewLine, parts);
        }

        /// <summary>Removes characters XML 1.0 cannot carry (control characters, lone surrogates).</summary>
        internal static string XmlSafe(string? text)
        {
            if (string.IsNullOrEmpty(text)) return "";
            StringBuilder? sb = null;
            for (int i = 0; i < text!.Length; i++)
            {
                char c = text[i];
                bool ok = c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD);
                if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    sb?.Append(c).Append(text[i + 1]);
                    i++;
                    continue;
                }
                if (ok) { sb?.Append(c); continue; }
                sb ??= new StringBuilder(text, 0, i, text.Length);
                sb.Append('\uFFFD');
            }
            return sb?.ToString() ?? text;
        }
    }
}
