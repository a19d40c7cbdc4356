using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Text.RegularExpressions;
using NpmHardening.Engine.Rules;

namespace NpmHardening.Reports
{
    /// <summary>
    /// Turns what arrives on a report cmdlet's pipeline into the engine's <see cref="NpmFinding"/>: a live finding
    /// as it is; a finding of the older shapes (NpmSecurityFinding, NpmTokenFinding) or a deserialized one (Import-Clixml,
    /// Start-Job, remoting: type names <c>Deserialized.NpmHardening.*</c>) by its properties. Only the contract's fields
    /// are copied: whatever else an object carries never reaches a report.
    /// </summary>
    internal static class NpmFindingAdapter
    {
        private static readonly HashSet<string> FindingTypes = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "NpmHardening.NpmFinding", "NpmHardening.NpmSecurityFinding", "NpmHardening.NpmTokenFinding", "NpmHardening.NpmPackageChange", "NpmHardening.NpmReleaseAlert",
        };

        private static readonly Regex PathAndLine = new Regex(@"^(?<path>.+?):(?<line>[0-9]{1,9})(?::(?<column>[0-9]{1,9}))?$", RegexOptions.CultureInvariant);

        /// <summary>The finding, or null with <paramref name="problem"/> saying why the object is not one.</summary>
        public static NpmFinding? Adapt(object? input, out string? problem)
        {
            problem = null;
            var ps = input as PSObject;
            var value = ps?.BaseObject ?? input;
            if (value is NpmFinding live) return live;
            if (value == null) { problem = "The input object is null."; return null; }
            ps ??= PSObject.AsPSObject(value);

            bool deserialized = false, known = false;
            foreach (var name in ps.TypeNames)
            {
                var plain = name.StartsWith("Deserialized.", StringComparison.Ordinal) ? name.Substring("Deserialized.".Length) : name;
                if (FindingTypes.Contains(plain)) { known = true; deserialized = plain != name; break; }
            }
            if (!known)
            {
                problem = $"The input object of type '{ps.TypeNames[0]}' ({Describe(value)}) is not a finding. Pipe the output of the audit cmdlets (Get-NpmSecurityPosture, Test-NpmrcToken, Test-NpmHardening -Detailed …), live or read back with Import-Clixml.";
                return null;
            }

            var ruleId = Text(ps, "RuleId");
            if (string.IsNullOrEmpty(ruleId))
            {
                problem = $"The {ps.TypeNames[0]} '{Describe(value)}' has no RuleId; a report cannot place it.";
                return null;
            }
            var rule = RuleCatalog.Default.Find(ruleId!);
            var f = new NpmFinding
            {
                RuleId = ruleId!,
                Title = Text(ps, "Title") ?? rule?.Title ?? ruleId!,
                Area = Text(ps, "Area") ?? rule?.Area,
                Severity = EnumValue(ps, "Severity", rule?.Severity ?? NpmSeverity.Medium),
                SeverityReason = Text(ps, "SeverityReason"),
                Status = EnumValue(ps, "Status", NpmFindingStatus.Fail),
                Message = Text(ps, "Message") ?? "",
                Location = Location(ps),
                Context = Text(ps, "Context"),
                ComputerName = Text(ps, "ComputerName") ?? Text(ps, "PSComputerName") ?? (deserialized ? "" : System.Environment.MachineName),
                FactId = Text(ps, "FactId") ?? "",
                Remediation = Remediation(ps),
                Reference = Text(ps, "Reference") ?? rule?.Reference,
                Suppression = Suppression(ps),
            };
            return f;
        }

        private static string Describe(object value)
        {
            string text;
            try { text = LanguagePrimitives.ConvertTo<string>(value) ?? ""; }
            catch (PSInvalidCastException) { text = value.GetType().Name; }
            if (text.Length > 80) text = text.Substring(0, 77) + "...";
            return "'" + text + "'";
        }

        private static string? Text(PSObject ps, string name)
        {
            PSPropertyInfo? property;
            try { property = ps.Properties[name]; }
            catch (GetValueInvocationException) { return null; }
            var v = property?.Value;
            if (v == null) return null;
            var s = v is PSObject p ? p.ToString() : Convert.ToString(v, CultureInfo.InvariantCulture);
            return string.IsNullOrEmpty(s) ? null : s;
        }

        private static PSObject? Child(PSObject ps, string name) => ps.Properties[name]?.Value is object v ? PSObject.AsPSObject(v) : null;

        private static T EnumValue<T>(PSObject ps, string name, T fallback) where T : struct
        {
            var text = Text(ps, name);
            return text != null && Enum.TryParse<T>(text, true, out var value) && Enum.IsDefined(typeof(T), value) ? value : fallback;
        }

        private static int? Number(PSObject? ps, string name)
        {
            if (ps == null) return null;
            var text = Text(ps, name);
            return text != null && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : (int?)null;
        }

        private static NpmFindingLocation? Location(PSObject ps)
        {
            var l = Child(ps, "Location");
            if (l != null && !(l.BaseObject is string))
            {
                if (l.BaseObject is NpmFindingLocation live) return live;
                return new NpmFindingLocation { Path = Text(l, "Path"), Line = Number(l, "Line"), Column = Number(l, "Column"), Uri = Text(l, "Uri"), Name = Text(l, "Name") };
            }
            // serialized below its depth (Start-Job, remoting: depth 1), the location arrives as its ToString()
            if (l != null) return ParseLocation((string)l.BaseObject);
            // NpmTokenFinding: Path and Line, or the variable it came from
            var path = Text(ps, "Path");
            if (path != null) return new NpmFindingLocation { Path = path, Line = Number(ps, "Line") };
            var variable = Text(ps, "Variable");
            if (variable != null) return new NpmFindingLocation { Name = "env:" + variable };
            // NpmSecurityFinding: Source is "path:line", a path, or a name (env:…, builtin)
            var source = Text(ps, "Source");
            return source == null ? null : ParseLocation(source);
        }

        /// <summary>"path:line[:column]", a path, a URI or a name, as <see cref="NpmFindingLocation.ToString"/> writes them.</summary>
        private static NpmFindingLocation? ParseLocation(string text)
        {
            if (text.Length == 0) return null;
            var m = PathAndLine.Match(text);
            if (m.Success && IsRooted(m.Groups["path"].Value))
                return new NpmFindingLocation
                {
                    Path = m.Groups["path"].Value,
                    Line = int.Parse(m.Groups["line"].Value, CultureInfo.InvariantCulture),
                    Column = m.Groups["column"].Success ? int.Parse(m.Groups["column"].Value, CultureInfo.InvariantCulture) : (int?)null,
                };
            if (IsRooted(text)) return new NpmFindingLocation { Path = text };
            if (System.Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == "https" || uri.Scheme == "http")) return new NpmFindingLocation { Uri = text };
            return new NpmFindingLocation { Name = text };
        }

        private static bool IsRooted(string path)
        {
            try { return System.IO.Path.IsPathRooted(path) && path.IndexOf("://", StringComparison.Ordinal) < 0; }
            catch (ArgumentException) { return false; }
        }

        private static NpmRemediation? Remediation(PSObject ps)
        {
            var r = Child(ps, "Remediation");
            if (r == null || r.BaseObject is string)
            {
                var text = Text(ps, "Remediation") ?? Text(ps, "Recommendation");
                return text == null ? null : new NpmRemediation { Summary = text };
            }
            if (r.BaseObject is NpmRemediation live) return live;
            var steps = new List<string>();
            if (r.Properties["WebSteps"]?.Value is object stepsValue)
            {
                var inner = stepsValue is PSObject sp ? sp.BaseObject : stepsValue;
                if (inner is IEnumerable list && !(inner is string)) { foreach (var s in list) if (s != null) steps.Add(s.ToString()); }
                else if (inner != null) steps.Add(inner.ToString());
            }
            return new NpmRemediation
            {
                Summary = Text(r, "Summary") ?? "",
                Setting = Text(r, "Setting"),
                Value = Text(r, "Value"),
                Scope = Text(r, "Scope"),
                NpmCommand = Text(r, "NpmCommand"),
                WebSteps = steps.ToArray(),
                PowerShell = Text(r, "PowerShell"),
            };
        }

        private static NpmFindingSuppression? Suppression(PSObject ps)
        {
            var s = Child(ps, "Suppression");
            if (s == null) return null;
            if (s.BaseObject is NpmFindingSuppression live) return live;
            // serialized below its depth: the suppression's ToString() is its justification
            if (s.BaseObject is string justification) return new NpmFindingSuppression { Justification = justification, OriginalStatus = NpmFindingStatus.Fail };
            DateTime? expires = null;
            var value = s.Properties["Expires"]?.Value;
            if (value is PSObject pv) value = pv.BaseObject;
            if (value is DateTime d) expires = d;
            else if (value is string text && DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed)) expires = parsed;
            return new NpmFindingSuppression
            {
                Justification = Text(s, "Justification") ?? "",
                Expires = expires,
                Source = Text(s, "Source"),
                OriginalStatus = EnumValue(s, "OriginalStatus", NpmFindingStatus.Fail),
            };
        }
    }
}
