using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Findings;

namespace NpmHardening.Engine.Rules
{
    // 9xxx: overrides of what npm executes, proxies, CAs, unreadable files, unknown keys
    internal sealed partial class AuditRun
    {
        private static readonly (string Key, string Effect)[] ExecutionKeys =
        {
            ("script-shell", "npm runs every package script (npm run, lifecycle scripts) through it"),
            ("shell", "npm exec and npm explore start it"),
            ("git", "npm runs it for every git dependency"),
            ("node-gyp", "npm runs it to build every native addon"),
            ("node-options", "npm passes it to every node process it starts (NODE_OPTIONS): --require or --import can load any file"),
        };

        private IEnumerable<NpmSecurityFinding> ExecutionOverrides(NpmSecurityRule rule)
        {
            bool any = false;
            foreach (var (key, effect) in ExecutionKeys)
            {
                if (!Known(key)) continue;
                R[NpmConfigLayer.Default].TryGet(key, out var def);
                foreach (var v in R.GetAll(key))
                {
                    if (v.Layer == NpmConfigLayer.Default || !IsSet(v.Value)) continue;
                    if (def != null && Show(def.Value) == Show(v.Value)) continue; // written out, but npm's own default
                    any = true;
                    yield return New(rule, NpmFindingStatus.Warning,
                        $"{key} is set to '{Show(v.Value)}' ({Where(v)}): {effect}. Make sure you put it there.",
                        setting: key, actual: Show(v.Value), expected: rule.ExpectedText, from: v, remediation: RemoveLine(v));
                }
            }
            if (R[NpmConfigLayer.Project].TryGet("prefix", out var prefix) && IsSet(prefix.Value))
            {
                any = true;
                yield return New(rule, NpmFindingStatus.Warning,
                    $"prefix is set to '{Show(prefix.Value)}' ({Where(prefix)}): a project config moves where global packages and their commands are installed (npm logs an error and applies it anyway).",
                    setting: "prefix", actual: Show(prefix.Value), expected: "not set in a project config", from: prefix, remediation: RemoveLine(prefix));
            }
            if (!any)
                yield return New(rule, NpmFindingStatus.Pass,
                    "script-shell, shell, git, node-gyp and node-options are npm's defaults, and no project config sets prefix.", expected: rule.ExpectedText);
        }

        private static NpmRemediation RemoveLine(NpmConfigValue v)
        {
            if (First(v, v.Key) is NpmFix first)
            {
                var fix = Advice($"Remove {(first.Kind == NpmFixKind.RemoveSessionVariable ? "the variable " + first.Variable : "--" + v.Key + " from the npm command line")} unless you put it there.");
                if (first.Kind == NpmFixKind.RemoveSessionVariable) first.Note = "and remove it where it is defined";
                fix.Fixes.Add(first);
                return fix;
            }
            return Advice($"Remove the {v.Key} line ({SourceOf(v)}) unless you put it there.");
        }

        /// <summary>Removing a variable from the session, with what to do next.</summary>
        private static NpmRemediation RemoveVariableFix(string name, string next)
        {
            var fix = Advice($"Remove {name} from the session; {next}.");
            fix.Fixes.Add(new NpmFix(NpmFixKind.RemoveSessionVariable) { Variable = name, Note = next });
            return fix;
        }

        private static readonly string[] ProxyVariables = { "https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY" };

        private IEnumerable<NpmSecurityFinding> UrlPasswords(NpmSecurityRule rule)
        {
            // every line of the npmrc files, used or shadowed, is judged by the credential analyzer (as Test-NpmrcToken
            // judges it); what is left here is a value set by an environment variable or on the command line
            var values = new List<NpmConfigValue>();
            foreach (var key in new[] { "proxy", "https-proxy" })
                if (Known(key) && R.GetEffective(key) is NpmConfigValue pv && pv.Layer != NpmConfigLayer.Default) values.Add(pv);
            values.AddRange(Registries());
            var inFiles = FileFindings(rule).ToList();
            foreach (var f in inFiles)
            {
                // the line npm uses can be fixed by setting the URL without its password; a shadowed one only by removing it
                var used = values.FirstOrDefault(v => FromNpmrcFile(v) && v.Source == f.Location?.Path && v.Line == f.Location?.Line);
                if (used?.Value is string usedUrl && Uri.TryCreate(usedUrl.Trim(), UriKind.Absolute, out var usedUri))
                    f.Remediation = SetFix(used.Key, StripCredentials(usedUri), used);
                yield return f;
            }
            bool any = inFiles.Count > 0;
            foreach (var v in values)
            {
                if (FromNpmrcFile(v) || !(v.Value is string url) || UrlPasswordOf(url) == null) continue;
                any = true;
                var clean = Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) ? StripCredentials(uri) : null;
                yield return New(rule, NpmFindingStatus.Fail,
                    $"{v.Key} carries a password in its URL ({Where(v)}).", setting: v.Key, actual: Show(url), expected: rule.ExpectedText, from: v,
                    remediation: clean != null ? SetFix(v.Key, clean, v) : RemoveLine(v));
            }
            if (_request.AuditProcessEnvironment)
            {
                var seen = new HashSet<string>(Platform.IsWindows ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
                foreach (var candidate in ProxyVariables)
                {
                    if (!(EnvironmentVariable(candidate) is (string name, string url)) || !seen.Add(name) || UrlPasswordOf(url) == null) continue;
                    any = true;
                    var f = New(rule, NpmFindingStatus.Fail, $"The environment variable {name} carries a password in its URL.",
                        setting: name, actual: Show(url), expected: rule.ExpectedText,
                        remediation: RemoveVariableFix(name, "set it again without user:password@"));
                    f.Layer = "Process environment";
                    f.Location = FindingFactory.Named("env:" + name);
                    yield return f;
                }
            }
            if (!any) yield return New(rule, NpmFindingStatus.Pass, "No proxy or registry URL carries a password.", expected: rule.ExpectedText);
        }

        /// <summary>Whether a value comes from a line of an npmrc file (which <see cref="FileCredentials"/> judges) rather than a variable or the command line.</summary>
        private static bool FromNpmrcFile(NpmConfigValue v) =>
            v.Source != null && (v.Layer == NpmConfigLayer.Builtin || v.Layer == NpmConfigLayer.Global ||
                                 v.Layer == NpmConfigLayer.User || v.Layer == NpmConfigLayer.Project);

        /// <summary>A variable of the context's environment with its name as defined (Windows names ignore case).</summary>
        private (string Name, string Value)? EnvironmentVariable(string name)
        {
            if (!R.Environment.TryGetValue(name, out var value)) return null;
            var cmp = Platform.IsWindows ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;
            return (R.Environment.Keys.FirstOrDefault(k => cmp.Equals(k, name)) ?? name, value);
        }

        private IEnumerable<NpmSecurityFinding> HttpProxy(NpmSecurityRule rule)
        {
            // npm sends https requests through https-proxy, else proxy, else the proxy environment variables
            NpmConfigValue? from = null;
            string? url = null, variable = null;
            foreach (var key in new[] { "https-proxy", "proxy" })
            {
                var v = Known(key) ? R.GetEffective(key) : null;
                if (v?.Value is string s && s.Trim().Length > 0) { from = v; url = s.Trim(); break; }
            }
            if (url == null && _request.AuditProcessEnvironment)
                foreach (var candidate in ProxyVariables)
                    if (EnvironmentVariable(candidate) is (string name, string s) && s.Trim().Length > 0) { variable = name; url = s.Trim(); break; }
            if (url == null)
            {
                yield return New(rule, NpmFindingStatus.Pass, "npm connects to registries directly (no proxy).", setting: "https-proxy", actual: "(unset)", expected: rule.ExpectedText);
                yield break;
            }
            var shown = Show(url);
            var where = from != null ? Where(from) : $"environment variable {variable}";
            NpmSecurityFinding Finding(NpmFindingStatus status, string message, NpmRemediation? remediation)
            {
                var f = New(rule, status, message, setting: from?.Key ?? variable, actual: shown, expected: rule.ExpectedText, from: from, remediation: remediation);
                if (from == null) { f.Layer = "Process environment"; f.Location = FindingFactory.Named("env:" + variable); }
                return f;
            }
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp)
                yield return Finding(NpmFindingStatus.Pass, $"HTTPS traffic goes through {shown} ({where}).", null);
            else if (IsLoopback(uri))
                yield return Finding(NpmFindingStatus.Pass, $"HTTPS traffic goes through a proxy on the loopback interface ({shown}, {where}).", null);
            else
            {
                var https = "https://" + StripCredentials(uri).Substring("http://".Length);
                var remediation = SetFix("https-proxy", https, from != null && from.Key == "https-proxy" ? from : null);
                if (from == null) remediation.Fixes.Insert(0, new NpmFix(NpmFixKind.RemoveSessionVariable) { Variable = variable });
                yield return Finding(NpmFindingStatus.Fail,
                    $"HTTPS traffic goes through the plain-HTTP proxy {shown} ({where}): the CONNECT request, with any proxy credentials, crosses the network unencrypted.",
                    remediation);
            }
        }

        private IEnumerable<NpmSecurityFinding> CustomCa(NpmSecurityRule rule)
        {
            bool any = false;
            var ca = Known("ca") ? R.GetEffective("ca") : null;
            var pems = Texts(ca?.Value).Where(t => t.Trim().Length > 0).ToList();
            if (ca != null && pems.Count > 0)
            {
                any = true;
                yield return New(rule, NpmFindingStatus.Warning,
                    $"ca is set ({Where(ca)}): npm trusts only {DescribeCertificates(pems)} for TLS, instead of the usual root CAs.",
                    setting: "ca", actual: DescribeCertificates(pems), expected: rule.ExpectedText, from: ca, remediation: FromCatalog(rule));
            }
            var cafile = Known("cafile") ? R.GetEffective("cafile") : null;
            if (cafile?.Value is string path && path.Trim().Length > 0)
            {
                any = true;
                yield return New(rule, NpmFindingStatus.Warning, $"cafile is {path} ({Where(cafile)}): npm trusts the certificate authorities in that file.",
                    setting: "cafile", actual: path, expected: rule.ExpectedText, from: cafile, remediation: FromCatalog(rule));
            }
            if (!any) yield return New(rule, NpmFindingStatus.Pass, "npm trusts the usual root certificate authorities (no ca or cafile).", expected: rule.ExpectedText);
        }

        private const string PemBegin = "-----BEGIN CERTIFICATE-----", PemEnd = "-----END CERTIFICATE-----";
        /// <summary>Certificates parsed for their subject in one description; the rest are counted (a value can hold thousands of empty blocks).</summary>
        private const int MaxCertificatesParsed = 100;

        /// <summary>
        /// The bodies between BEGIN and END lines, left to right, as the lazy expression BEGIN(.*?)END matched them, but in
        /// linear time: that expression rescanned to the end of the text from every BEGIN that had no END after it.
        /// </summary>
        internal static IEnumerable<string> PemBodies(string text)
        {
            int from = 0;
            while (true)
            {
                int begin = text.IndexOf(PemBegin, from, StringComparison.Ordinal);
                if (begin < 0) yield break;
                int body = begin + PemBegin.Length;
                int end = text.IndexOf(PemEnd, body, StringComparison.Ordinal);
                if (end < 0) yield break; // no END after this BEGIN, so none after any later one either
                yield return text.Substring(body, end - body);
                from = end + PemEnd.Length;
            }
        }

        /// <summary>The certificates' subjects when they parse, else their count and size. Certificates are public; keys never go here.</summary>
        internal static string DescribeCertificates(IEnumerable<string> pems)
        {
            var names = new List<string>();
            int count = 0, chars = 0;
            foreach (var pem in pems)
            {
                var text = pem.Replace("\\n", "\n");
                chars += pem.Length;
                int before = count;
                foreach (var block in PemBodies(text))
                {
                    count++;
                    if (count > MaxCertificatesParsed) continue;
                    var body = RemoveWhiteSpace(block);
                    try
                    {
                        using var cert = new X509Certificate2(Convert.FromBase64String(body));
                        names.Add(cert.Subject);
                    }
                    catch (Exception ex) when (ex is FormatException || ex is System.Security.Cryptography.CryptographicException || ex is ArgumentException) { }
                }
                if (count == before) count++; // not PEM at all: one certificate npm cannot read
            }
            if (names.Count == count && count > 0) return string.Join("; ", names);
            var s = count == 1 ? "1 certificate" : $"{count} certificates";
            var rest = count > MaxCertificatesParsed ? "not read or unreadable" : "unreadable";
            return names.Count > 0 ? $"{s} ({string.Join("; ", names)}, and {count - names.Count} {rest})" : $"{s} ({chars} characters, not parseable as PEM)";
        }

        private static string RemoveWhiteSpace(string text)
        {
            var sb = new StringBuilder(text.Length);
            foreach (var c in text) if (!char.IsWhiteSpace(c)) sb.Append(c);
            return sb.ToString();
        }

        private static readonly NpmConfigIssueKind[] BrokenKinds =
        {
            // what npm refuses to start with (ParserFailure, ExclusiveKeys, …) is NPMH9008's
            NpmConfigIssueKind.Utf16Encoded, NpmConfigIssueKind.NulBytes, NpmConfigIssueKind.InvalidUtf8, NpmConfigIssueKind.Unreadable,
            NpmConfigIssueKind.NotAFile, NpmConfigIssueKind.TooLargeToRead, NpmConfigIssueKind.ParserFailure, NpmConfigIssueKind.ExclusiveKeys,
            NpmConfigIssueKind.NotRegularFile, NpmConfigIssueKind.LimitExceeded,
        };

        private static readonly NpmConfigIssueKind[] UnreadableKinds =
            { NpmConfigIssueKind.Unreadable, NpmConfigIssueKind.NotAFile, NpmConfigIssueKind.TooLargeToRead, NpmConfigIssueKind.NotRegularFile,
              NpmConfigIssueKind.LimitExceeded };

        private IEnumerable<NpmSecurityFinding> BrokenFiles(NpmSecurityRule rule)
        {
            bool any = false;
            foreach (var issue in R.Issues.Where(i => BrokenKinds.Contains(i.Kind)))
            {
                any = true;
                var status = UnreadableKinds.Contains(issue.Kind) ? NpmFindingStatus.Error : NpmFindingStatus.Warning;
                var f = New(rule, status, $"{issue.Source} {issue.Message}", setting: issue.Source, actual: issue.Kind.ToString(),
                    expected: rule.ExpectedText, remediation: FromCatalog(rule));
                f.Location = FindingFactory.File(issue.Source, issue.Line);
                f.Layer = LayerOf(issue.Source);
                yield return f;
            }
            if (!any) yield return New(rule, NpmFindingStatus.Pass, "Every config file npm reads is readable UTF-8 text.", expected: rule.ExpectedText);
        }

        private static readonly Regex UnknownKeyName = new Regex("^sets \"(?<key>[^\"]*)\"", RegexOptions.CultureInvariant);

        private IEnumerable<NpmSecurityFinding> UnknownKeys(NpmSecurityRule rule)
        {
            bool any = false;
            foreach (var issue in R.Issues.Where(i => i.Kind == NpmConfigIssueKind.UnknownKey))
            {
                any = true;
                var m = UnknownKeyName.Match(issue.Message);
                var f = New(rule, NpmFindingStatus.Warning, $"{issue.Source} {issue.Message}", setting: m.Success ? m.Groups["key"].Value : null,
                    expected: rule.ExpectedText, remediation: FromCatalog(rule));
                f.Location = FindingFactory.File(issue.Source, issue.Line);
                f.Layer = LayerOf(issue.Source);
                yield return f;
            }
            if (!any) yield return New(rule, NpmFindingStatus.Pass, $"Every key set is one npm {Version} defines.", expected: rule.ExpectedText);
        }

        /// <summary>The layer whose file (or variable) an issue names.</summary>
        private string? LayerOf(string source)
        {
            foreach (var layer in R.Layers)
                if (layer.Source != null && string.Equals(layer.Source, source, Platform.IsWindows ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal))
                    return layer.Layer.ToString();
            return source.StartsWith("npm_config_", StringComparison.OrdinalIgnoreCase) ? NpmConfigLayer.Env.ToString() : null;
        }
    }
}
