using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace NpmHardening.HelpBuilder
{
    /// <summary>
    /// <code>
    /// NpmHardening.HelpBuilder --cmdlets &lt;dir&gt; [--about &lt;file.md&gt;]... --out &lt;dir&gt; [--help-file &lt;name&gt;]
    /// </code>
    /// Writes &lt;out&gt;/&lt;help-file&gt; (MAML for every *.md in the cmdlets folder; the file name comes from the
    /// pages' "external help file" metadata, else --help-file) and &lt;out&gt;/about_*.help.txt. Exit code 1 when
    /// any page has an error (printed as "file(line): error: …").
    /// </summary>
    internal static class Program
    {
        private static int Main(string[] args)
        {
            string? cmdlets = null, output = null, helpFile = null;
            var abouts = new List<string>();
            for (var i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                switch (args[i])
                {
                    case "--cmdlets": cmdlets = Next(); break;
                    case "--about": abouts.Add(Next()); break;
                    case "--out": output = Next(); break;
                    case "--help-file": helpFile = Next(); break;
                    default:
                        Console.Error.WriteLine($"unknown argument '{args[i]}'");
                        Console.Error.WriteLine("usage: NpmHardening.HelpBuilder --cmdlets <dir> [--about <file.md>]... --out <dir> [--help-file <name>]");
                        return 2;
                }
            }
            if (output == null || (cmdlets == null && abouts.Count == 0))
            {
                Console.Error.WriteLine("usage: NpmHardening.HelpBuilder --cmdlets <dir> [--about <file.md>]... --out <dir> [--help-file <name>]");
                return 2;
            }

            var diagnostics = new Diagnostics(Console.Error);
            Directory.CreateDirectory(output);
            var written = new List<string>();

            if (cmdlets != null)
            {
                var pages = Directory.Exists(cmdlets)
                    ? Directory.GetFiles(cmdlets, "*.md")
                        .Where(p => !Path.GetFileName(p).StartsWith("about_", StringComparison.OrdinalIgnoreCase))
                        .OrderBy(p => p, StringComparer.Ordinal).ToList()
                    : new List<string>();
                var commands = pages.Select(p => MarkdownCommandReader.Read(p, diagnostics)).ToList();
                foreach (var group in commands.GroupBy(c => c.Metadata.TryGetValue("external help file", out var f) && f.Length > 0 ? f : helpFile ?? "", StringComparer.OrdinalIgnoreCase))
                {
                    if (group.Key.Length == 0)
                    {
                        foreach (var c in group) diagnostics.Error(c.SourcePath, 1, "no 'external help file' in the front matter and no --help-file given");
                        continue;
                    }
                    var path = Path.Combine(output, group.Key);
                    MamlWriter.Write(group, path);
                    written.Add($"{path} ({group.Count()} cmdlet{(group.Count() == 1 ? "" : "s")})");
                }
                if (pages.Count == 0) Console.Error.WriteLine($"note: no cmdlet pages in '{cmdlets}'");
            }

            foreach (var about in abouts)
            {
                if (!File.Exists(about))
                {
                    diagnostics.Error(about, 1, "about topic not found");
                    continue;
                }
                var text = AboutTopicWriter.Convert(about, diagnostics);
                var path = Path.Combine(output, Path.GetFileNameWithoutExtension(about) + ".help.txt");
                File.WriteAllText(path, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
                written.Add(path);
            }

            foreach (var file in written) Console.WriteLine($"  help: {file}");
            if (diagnostics.ErrorCount > 0)
            {
                Console.Error.WriteLine($"help: {diagnostics.ErrorCount} error(s), {diagnostics.WarningCount} warning(s)");
                return 1;
            }
            return 0;
        }
    }
}
