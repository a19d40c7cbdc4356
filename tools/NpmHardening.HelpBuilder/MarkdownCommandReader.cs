using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Markdig;
using Markdig.Extensions.Yaml;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;
using YamlDotNet.Serialization;

namespace NpmHardening.HelpBuilder
{
    /// <summary>
    /// Reads a cmdlet page in PlatyPS markdown (Microsoft.PowerShell.PlatyPS 1.x, and the classic platyPS
    /// 0.14 "schema: 2.0.0" parameter blocks) into a <see cref="CommandHelp"/>.
    /// </summary>
    internal static class MarkdownCommandReader
    {
        private static readonly Regex SyntaxParameter = new Regex(@"(?<=[\s\[])-([A-Za-z_][A-Za-z0-9_]*)", RegexOptions.CultureInvariant);

        private sealed class Section
        {
            public string Title = "";
            public int Line;
            public readonly List<Block> Blocks = new List<Block>();
            public readonly List<Section> Subsections = new List<Section>();

            public IEnumerable<Block> AllBlocks() => Blocks.Concat(Subsections.SelectMany(s => s.Blocks));
        }

        public static CommandHelp Read(string path, Diagnostics diagnostics)
        {
            var text = File.ReadAllText(path).Replace("\r\n", "\n");
            var document = Markdown.Parse(text, MarkdownText.Pipeline);
            var help = new CommandHelp { SourcePath = path };
            var sections = new List<Section>();
            Section? current = null;
            var sawTitle = false;

            foreach (var block in document)
            {
                switch (block)
                {
                    case YamlFrontMatterBlock frontMatter:
                        ReadFrontMatter(help, frontMatter, path, diagnostics);
                        break;
                    case HeadingBlock heading when heading.Level == 1:
                        help.Name = MarkdownText.Inlines(heading.Inline);
                        sawTitle = true;
                        break;
                    case HeadingBlock heading when heading.Level == 2:
                        current = new Section { Title = MarkdownText.Inlines(heading.Inline).Trim().ToUpperInvariant(), Line = heading.Line + 1 };
                        sections.Add(current);
                        break;
                    case HeadingBlock heading when heading.Level == 3 && current != null:
                        current.Subsections.Add(new Section { Title = MarkdownText.Inlines(heading.Inline).Trim(), Line = heading.Line + 1 });
                        break;
                    default:
                        if (current == null) break;
                        if (current.Subsections.Count > 0) current.Subsections[current.Subsections.Count - 1].Blocks.Add(block);
                        else current.Blocks.Add(block);
                        break;
                }
            }

            if (!sawTitle || help.Name.Length == 0)
            {
                diagnostics.Error(path, 1, "missing '# Verb-Noun' title");
            }
            if (help.Metadata.TryGetValue("title", out var title) && title.Length > 0 && !string.Equals(title, help.Name, StringComparison.OrdinalIgnoreCase))
            {
                diagnostics.Warning(path, 1, $"front matter title '{title}' differs from the heading '{help.Name}'");
            }

            foreach (var section in sections)
            {
                switch (section.Title)
                {
                    case "SYNOPSIS":
                        help.Synopsis = string.Join(" ", MarkdownText.Paragraphs(section.AllBlocks()));
                        break;
                    case "SYNTAX":
                        ReadSyntax(help, section);
                        break;
                    case "ALIASES":
                        break;
                    case "DESCRIPTION":
                        help.Description.AddRange(SectionParagraphs(section));
                        break;
                    case "EXAMPLES":
                        ReadExamples(help, section, diagnostics);
                        break;
                    case "PARAMETERS":
                        ReadParameters(help, section, diagnostics);
                        break;
                    case "INPUTS":
                        help.Inputs.AddRange(ReadTypes(section));
                        break;
                    case "OUTPUTS":
                        help.Outputs.AddRange(ReadTypes(section));
                        break;
                    case "NOTES":
                        help.Notes.AddRange(SectionParagraphs(section));
                        break;
                    case "RELATED LINKS":
                        ReadLinks(help, section);
                        break;
                    default:
                        diagnostics.Warning(path, section.Line, $"unknown section '## {section.Title}' is not part of the PlatyPS schema and is ignored");
                        break;
                }
            }

            if (help.Synopsis.Length == 0) diagnostics.Error(path, 1, "missing or empty '## SYNOPSIS'");
            if (help.Description.Count == 0) diagnostics.Warning(path, 1, "missing or empty '## DESCRIPTION'");
            if (help.Examples.Count == 0) diagnostics.Warning(path, 1, "no '### Example' under '## EXAMPLES'");
            if (help.Syntax.Count == 0 && help.Parameters.Count > 0) diagnostics.Warning(path, 1, "no '## SYNTAX' block");
            foreach (var set in help.Syntax)
            {
                foreach (var name in set.ParameterOrder)
                {
                    if (!help.Parameters.Any(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)))
                    {
                        diagnostics.Error(path, 1, $"syntax '{set.Name}' names -{name}, which has no '### -{name}' under '## PARAMETERS'");
                    }
                }
            }
            return help;
        }

        private static void ReadFrontMatter(CommandHelp help, YamlFrontMatterBlock block, string path, Diagnostics diagnostics)
        {
            var yaml = string.Join("\n", block.Lines.Lines.Take(block.Lines.Count).Select(l => l.Slice.ToString()))
                .Trim().Trim('-');
            try
            {
                var data = new DeserializerBuilder().Build().Deserialize<Dictionary<string, object?>>(yaml);
                if (data == null) return;
                foreach (var pair in data) help.Metadata[pair.Key] = Scalar(pair.Value);
            }
            catch (YamlDotNet.Core.YamlException e)
            {
                diagnostics.Error(path, block.Line + 1 + (int)e.Start.Line - 1, "front matter: " + e.Message);
            }
        }

        private static List<string> SectionParagraphs(Section section)
        {
            var result = MarkdownText.Paragraphs(section.Blocks);
            foreach (var sub in section.Subsections)
            {
                result.Add(sub.Title);
                result.AddRange(MarkdownText.Paragraphs(sub.Blocks));
            }
            return result;
        }

        private static void ReadSyntax(CommandHelp help, Section section)
        {
            if (section.Subsections.Count == 0)
            {
                var set = new SyntaxSet { Name = "__AllParameterSets", IsDefault = true };
                AddSyntaxOrder(set, section.Blocks);
                help.Syntax.Add(set);
                return;
            }
            foreach (var sub in section.Subsections)
            {
                var name = sub.Title;
                var isDefault = false;
                const string defaultMarker = "(Default)";
                if (name.EndsWith(defaultMarker, StringComparison.OrdinalIgnoreCase))
                {
                    isDefault = true;
                    name = name.Substring(0, name.Length - defaultMarker.Length).Trim();
                }
                var set = new SyntaxSet { Name = name, IsDefault = isDefault };
                AddSyntaxOrder(set, sub.Blocks);
                help.Syntax.Add(set);
            }
        }

        private static void AddSyntaxOrder(SyntaxSet set, IEnumerable<Block> blocks)
        {
            foreach (var code in blocks.OfType<CodeBlock>())
            {
                foreach (Match match in SyntaxParameter.Matches(MarkdownText.CodeText(code)))
                {
                    var name = match.Groups[1].Value;
                    if (!set.ParameterOrder.Contains(name, StringComparer.OrdinalIgnoreCase)) set.ParameterOrder.Add(name);
                }
            }
        }

        private static void ReadExamples(CommandHelp help, Section section, Diagnostics diagnostics)
        {
            foreach (var sub in section.Subsections)
            {
                var example = new Example { Title = sub.Title };
                var code = new List<string>();
                foreach (var block in sub.Blocks)
                {
                    if (block is FencedCodeBlock fenced && !IsOutputBlock(fenced.Info))
                    {
                        code.Add(MarkdownText.CodeText(fenced));
                    }
                    else if (block is FencedCodeBlock output)
                    {
                        example.Remarks.Add(MarkdownText.CodeText(output));
                    }
                    else
                    {
                        var text = MarkdownText.RenderBlock(block, 0);
                        if (!string.IsNullOrWhiteSpace(text)) example.Remarks.Add(text.TrimEnd());
                    }
                }
                example.Code = string.Join("\n\n", code);
                if (example.Code.Length == 0) diagnostics.Error(help.SourcePath, sub.Line, $"example '{sub.Title}' has no code block");
                help.Examples.Add(example);
            }
            if (section.Subsections.Count == 0 && section.Blocks.OfType<CodeBlock>().Any())
            {
                diagnostics.Error(help.SourcePath, section.Line, "examples need a '### Example N: title' heading each");
            }
        }

        private static bool IsOutputBlock(string? info)
        {
            var language = (info ?? "").Trim();
            return language.Equals("output", StringComparison.OrdinalIgnoreCase) || language.Equals("text", StringComparison.OrdinalIgnoreCase);
        }

        private static void ReadParameters(CommandHelp help, Section section, Diagnostics diagnostics)
        {
            foreach (var sub in section.Subsections)
            {
                if (string.Equals(sub.Title, "CommonParameters", StringComparison.OrdinalIgnoreCase)) continue;
                if (!sub.Title.StartsWith("-", StringComparison.Ordinal))
                {
                    diagnostics.Error(help.SourcePath, sub.Line, $"'### {sub.Title}' under PARAMETERS must be '### -Name' or '### CommonParameters'");
                    continue;
                }
                var parameter = new ParameterHelp { Name = sub.Title.Substring(1).Trim(), Line = sub.Line };
                var yamlBlocks = sub.Blocks.OfType<FencedCodeBlock>().Where(b => string.Equals((b.Info ?? "").Trim(), "yaml", StringComparison.OrdinalIgnoreCase)).ToList();
                parameter.Description.AddRange(MarkdownText.Paragraphs(sub.Blocks.Where(b => !yamlBlocks.Contains(b))));
                if (yamlBlocks.Count != 1)
                {
                    diagnostics.Error(help.SourcePath, sub.Line, $"parameter -{parameter.Name} needs exactly one ```yaml block (found {yamlBlocks.Count})");
                }
                else
                {
                    ReadParameterYaml(parameter, yamlBlocks[0], help.SourcePath, diagnostics);
                }
                if (parameter.Description.Count == 0) diagnostics.Warning(help.SourcePath, sub.Line, $"parameter -{parameter.Name} has no description");
                if (help.Parameters.Any(p => string.Equals(p.Name, parameter.Name, StringComparison.OrdinalIgnoreCase)))
                {
                    diagnostics.Error(help.SourcePath, sub.Line, $"parameter -{parameter.Name} is documented twice");
                }
                help.Parameters.Add(parameter);
            }
        }

        private static void ReadParameterYaml(ParameterHelp parameter, FencedCodeBlock block, string path, Diagnostics diagnostics)
        {
            Dictionary<string, object?>? data;
            try
            {
                data = new DeserializerBuilder().Build().Deserialize<Dictionary<string, object?>>(MarkdownText.CodeText(block));
            }
            catch (YamlDotNet.Core.YamlException e)
            {
                diagnostics.Error(path, block.Line + 1 + (int)e.Start.Line, $"parameter -{parameter.Name}: {e.Message}");
                return;
            }
            if (data == null)
            {
                diagnostics.Error(path, block.Line + 1, $"parameter -{parameter.Name}: empty yaml block");
                return;
            }
            var map = new Dictionary<string, object?>(data, StringComparer.OrdinalIgnoreCase);

            parameter.Type = Scalar(Get(map, "Type"));
            if (parameter.Type.Length == 0)
            {
                diagnostics.Error(path, block.Line + 1, $"parameter -{parameter.Name}: missing Type");
                parameter.Type = "System.Object";
            }
            parameter.DefaultValue = Scalar(Get(map, "DefaultValue") ?? Get(map, "Default value"));
            parameter.SupportsWildcards = Bool(Get(map, "SupportsWildcards") ?? Get(map, "Accept wildcard characters"));
            parameter.Aliases.AddRange(List(Get(map, "Aliases")));
            parameter.AcceptedValues.AddRange(List(Get(map, "AcceptedValues") ?? Get(map, "Accepted values")));
            parameter.HelpMessage = Scalar(Get(map, "HelpMessage"));
            parameter.DontShow = Bool(Get(map, "DontShow"));

            if (Get(map, "ParameterSets") is IList sets)
            {
                // Microsoft.PowerShell.PlatyPS 1.x: a list of maps.
                foreach (var item in sets)
                {
                    if (!(item is IDictionary set)) continue;
                    var setMap = set.Keys.Cast<object>().ToDictionary(k => k.ToString() ?? "", k => set[k], StringComparer.OrdinalIgnoreCase);
                    parameter.ParameterSets.Add(new ParameterSetInfo
                    {
                        Name = OrDefault(Scalar(Get(setMap, "Name")), ParameterSetInfo.AllSets),
                        Position = Position(Scalar(Get(setMap, "Position"))),
                        IsRequired = Bool(Get(setMap, "IsRequired")),
                        ValueFromPipeline = Bool(Get(setMap, "ValueFromPipeline")),
                        ValueFromPipelineByPropertyName = Bool(Get(setMap, "ValueFromPipelineByPropertyName")),
                        ValueFromRemainingArguments = Bool(Get(setMap, "ValueFromRemainingArguments")),
                    });
                }
            }
            else
            {
                // Classic platyPS (schema 2.0.0): "Parameter Sets: A, B", "Required", "Position",
                // "Accept pipeline input: True (ByPropertyName, ByValue)".
                var pipeline = Scalar(Get(map, "Accept pipeline input"));
                var names = List(Get(map, "Parameter Sets"));
                if (names.Count == 0) names.Add(ParameterSetInfo.AllSets);
                foreach (var name in names)
                {
                    parameter.ParameterSets.Add(new ParameterSetInfo
                    {
                        Name = name,
                        Position = Position(Scalar(Get(map, "Position"))),
                        IsRequired = Bool(Get(map, "Required")),
                        ValueFromPipeline = pipeline.IndexOf("ByValue", StringComparison.OrdinalIgnoreCase) >= 0,
                        ValueFromPipelineByPropertyName = pipeline.IndexOf("ByPropertyName", StringComparison.OrdinalIgnoreCase) >= 0,
                    });
                }
            }
            if (parameter.ParameterSets.Count == 0)
            {
                diagnostics.Error(path, block.Line + 1, $"parameter -{parameter.Name}: missing ParameterSets");
                parameter.ParameterSets.Add(new ParameterSetInfo());
            }
        }

        private static IEnumerable<TypeHelp> ReadTypes(Section section)
        {
            foreach (var sub in section.Subsections)
            {
                var type = new TypeHelp { TypeName = sub.Title };
                type.Description.AddRange(MarkdownText.Paragraphs(sub.Blocks));
                yield return type;
            }
            if (section.Subsections.Count == 0)
            {
                // Without '### TypeName' headings: the first paragraph names the type.
                var paragraphs = MarkdownText.Paragraphs(section.Blocks);
                if (paragraphs.Count > 0)
                {
                    var type = new TypeHelp { TypeName = paragraphs[0] };
                    type.Description.AddRange(paragraphs.Skip(1));
                    yield return type;
                }
            }
        }

        private static void ReadLinks(CommandHelp help, Section section)
        {
            foreach (var block in section.AllBlocks())
            {
                IEnumerable<ContainerInline?> containers = block switch
                {
                    ListBlock list => list.Descendants<ParagraphBlock>().Select(p => (ContainerInline?)p.Inline),
                    ParagraphBlock paragraph => new ContainerInline?[] { paragraph.Inline },
                    _ => Array.Empty<ContainerInline?>(),
                };
                foreach (var inline in containers)
                {
                    if (inline == null) continue;
                    var link = inline.Descendants<LinkInline>().FirstOrDefault();
                    if (link != null)
                    {
                        var text = MarkdownText.Inlines(link);
                        help.RelatedLinks.Add(new Link
                        {
                            Text = text.Length > 0 ? text : link.Url ?? "",
                            Uri = MarkdownText.IsAbsoluteUrl(link.Url) ? link.Url! : "",
                        });
                    }
                    else
                    {
                        var text = MarkdownText.Inlines(inline);
                        if (text.Length > 0) help.RelatedLinks.Add(new Link { Text = text });
                    }
                }
            }
            var online = help.Metadata.TryGetValue("HelpUri", out var uri) && uri.Length > 0 ? uri
                : help.Metadata.TryGetValue("online version", out var v1) ? v1 : "";
            if (MarkdownText.IsAbsoluteUrl(online) && !help.RelatedLinks.Any(l => l.Uri == online))
            {
                help.RelatedLinks.Insert(0, new Link { Text = "Online Version:", Uri = online });
            }
        }

        private static object? Get(Dictionary<string, object?> map, string key) => map.TryGetValue(key, out var value) ? value : null;

        internal static string Scalar(object? value)
        {
            switch (value)
            {
                case null: return "";
                case string s: return s.Trim();
                case IList list: return string.Join(", ", list.Cast<object?>().Select(Scalar));
                default: return Convert.ToString(value, CultureInfo.InvariantCulture)?.Trim() ?? "";
            }
        }

        private static List<string> List(object? value)
        {
            if (value is IList list) return list.Cast<object?>().Select(Scalar).Where(s => s.Length > 0).ToList();
            var text = Scalar(value);
            if (text.Length == 0 || text == "[]" || text.Equals("None", StringComparison.OrdinalIgnoreCase)) return new List<string>();
            return text.Split(',').Select(s => s.Trim()).Where(s => s.Length > 0).ToList();
        }

        private static bool Bool(object? value)
        {
            var text = Scalar(value);
            // Classic platyPS may write "True (ByValue)".
            return text.StartsWith("true", StringComparison.OrdinalIgnoreCase);
        }

        private static string Position(string value) =>
            int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n.ToString(CultureInfo.InvariantCulture) : "Named";

        private static string OrDefault(string value, string fallback) => value.Length > 0 ? value : fallback;
    }
}
