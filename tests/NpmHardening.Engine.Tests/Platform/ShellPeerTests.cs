using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using CsCheck;
using NpmHardening.Engine.Platform;

namespace NpmHardening.Engine.Tests.Platform
{
    /// <summary>
    /// The start-up file parser against the real peer: bash sources generated assignment lines and prints
    /// what it assigned; our parser must read the same values from the same text.
    /// </summary>
    public class ShellPeerTests
    {
        private static string? FindBash() =>
            OperatingSystem.IsWindows() ? null : new[] { "/bin/bash", "/usr/bin/bash", "/usr/local/bin/bash" }.FirstOrDefault(File.Exists);

        // Characters that matter to the shell's quoting, plus ordinary and non-ASCII ones.
        private const string Alphabet = "aZ09_-./:@%+=,~ \t'\"\\$`#;&|<>(){}[]*?!é€";

        private enum Style { Single, Double, Bare, DollarSingle }

        private static string Quote(string value, Style style) => style switch
        {
            Style.Single => "'" + value.Replace("'", "'\\''") + "'",
            Style.Double => "\"" + string.Concat(value.Select(c => c is '\\' or '"' or '$' or '`' ? "\\" + c : c.ToString())) + "\"",
            Style.Bare => string.Concat(value.Select(c => char.IsLetterOrDigit(c) || c is '_' or '-' or '.' or '/' or ':' or '@' or '%' or '+' or ',' ? c.ToString() : "\\" + c)),
            _ => "$'" + string.Concat(value.Select(c => c is '\\' or '\'' ? "\\" + c : c == '\t' ? "\\t" : c.ToString())) + "'",
        };

        private static Gen<(string Value, Style Style, bool Export, string Trailer)> Case =>
            Gen.Select(Gen.Char[Alphabet].Array[0, 24].Select(a => new string(a)), Gen.Enum<Style>(), Gen.Bool,
                Gen.OneOfConst("", " # note", "; true", " && true"));

        [Fact]
        public void BashAssignsWhatWeRead()
        {
            var bash = FindBash();
            if (bash == null) return;
            var cases = new List<(string Value, Style Style, bool Export, string Trailer)>();
            Case.Sample(c => cases.Add(c), iter: 400, threads: 1);
            // '~' at the start of a bare word is expanded by bash: keep the comparison about quoting.
            cases = cases.Where(c => !(c.Style == Style.Bare && c.Value.StartsWith("~"))).ToList();

            var script = new StringBuilder();
            for (int i = 0; i < cases.Count; i++)
                script.Append(cases[i].Export ? "export " : "").Append("V").Append(i).Append('=').Append(Quote(cases[i].Value, cases[i].Style)).Append(cases[i].Trailer).Append('\n');
            var dir = Path.Combine(Path.GetTempPath(), "npmh-shell-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                var file = Path.Combine(dir, "profile.sh");
                File.WriteAllText(file, script.ToString(), new UTF8Encoding(false));
                var printer = string.Join(" ", Enumerable.Range(0, cases.Count).Select(i => "\"$V" + i + "\""));
                var psi = new ProcessStartInfo(bash) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, StandardOutputEncoding = Encoding.UTF8 };
                psi.ArgumentList.Add("--noprofile");
                psi.ArgumentList.Add("--norc");
                psi.ArgumentList.Add("-c");
                psi.ArgumentList.Add(". \"$1\" && printf '%s\\0' " + printer);
                psi.ArgumentList.Add("bash");
                psi.ArgumentList.Add(file);
                psi.Environment["LC_ALL"] = "C.UTF-8";
                using var p = Process.Start(psi)!;
                var stdout = p.StandardOutput.ReadToEnd();
                var stderr = p.StandardError.ReadToEnd();
                p.WaitForExit();
                Assert.True(p.ExitCode == 0, stderr);
                var expected = stdout.Split('\0')[..cases.Count];

                var parsed = PersistentEnvironment.ParseShell(File.ReadAllText(file), EnvironmentScope.User, file);
                Assert.Equal(cases.Count, parsed.Count);
                for (int i = 0; i < cases.Count; i++)
                {
                    Assert.Equal("V" + i, parsed[i].Name);
                    Assert.True(expected[i] == parsed[i].Value, $"line {i + 1}: {script.ToString().Split('\n')[i]}");
                    Assert.Equal(i + 1, parsed[i].Line);
                }
            }
            finally { Directory.Delete(dir, true); }
        }

        [Fact]
        public void ParsersNeverThrowOnArbitraryText()
        {
            var text = Gen.Char["ab=Z_ \t\n\r'\"\\$`#;&|()<>{}[]-xsetexportSETUVAR:"].Array[0, 200].Select(a => new string(a));
            text.Sample(t =>
            {
                foreach (var kind in Enum.GetValues<PersistentEnvironment.SourceKind>())
                    foreach (var v in PersistentEnvironment.Parse(t, kind, EnvironmentScope.User, "f"))
                    {
                        Assert.True(PersistentEnvironment.IsName(v.Name));
                        Assert.InRange(v.Line!.Value, 1, t.Split('\n').Length);
                    }
            }, iter: 3000);
        }
    }
}
