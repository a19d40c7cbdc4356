using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Markdig;
using Markdig.Extensions.Yaml;
using Markdig.Syntax;

namespace NpmHardening.HelpBuilder
{
    /// <summary>
    /// Turns an about topic in markdown (<c># about_Name</c>, <c>## SHORT DESCRIPTION</c>, <c>## LONG DESCRIPTION</c>,
    /// …) into the plain-text <c>about_Name.help.txt</c> that <c>Get-Help about_Name</c> prints: section headings
    /// upper-case at the margin, text indented four spaces and wrapped at 80 columns, code indented eight.
    /// </summary>
    internal static class AboutTopicWriter
    {
        private const int Width = 80;
        private const int Indent = 4;

        public static string Convert(string path, Diagnostics diagnostics)
        {
            var document = Markdown.Parse(File.ReadAllText(path).Replace("\r\n", "\n"), MarkdownText.Pipeline);
            var topic = Path.GetFileNameWithoutExtension(path);
            var output = new StringBuilder();
            var sawTopicSection = false;
            var sawShortDescription = false;
            t_afterHeading = false;

            foreach (var block in document)
            {
                switch (block)
                {
                    case YamlFrontMatterBlock _:
                        break;
                    case HeadingBlock heading when heading.Level == 1:
                        var title = MarkdownText.Inlines(heading.Inline);
                        if (!string.Equals(title, topic, StringComparison.OrdinalIgnoreCase))
                        {
                            diagnostics.Warning(path, heading.Line + 1, $"title '{title}' differs from the file name '{topic}'");
                        }
                        break;
                    case HeadingBlock heading when heading.Level == 2:
                        var section = MarkdownText.Inlines(heading.Inline).ToUpperInvariant();
                        if (section == "TOPIC") sawTopicSection = true;
                        if (section == "SHORT DESCRIPTION") sawShortDescription = true;
                        if (!sawTopicSection && output.Length == 0)
                        {
                            // PowerShell's own about files start with TOPIC; add it when the markdown does not.
                            AppendHeading(output, "TOPIC");
                            output.Append(' ', Indent).Append(topic).Append('\n');
                            t_afterHeading = false;
                            sawTopicSection = true;
                        }
                        AppendHeading(output, section);
                        break;
                    case HeadingBlock heading:
                        Separate(output);
                        output.Append(' ', Indent).Append(MarkdownText.Inlines(heading.Inline)).Append('\n');
                        break;
                    default:
                        AppendBlock(output, block);
                        break;
                }
            }
            if (!sawShortDescription) diagnostics.Error(path, 1, "missing '## SHORT DESCRIPTION' (Get-Help lists about topics by it)");
            return output.ToString().TrimEnd('\n') + "\n";
        }

        // Set after a section heading: its text follows on the next line, without a blank line between.
        [ThreadStatic] private static bool t_afterHeading;

        private static void AppendHeading(StringBuilder output, string text)
        {
            Separate(output);
            output.Append(text).Append('\n');
            t_afterHeading = true;
        }

        private static void Separate(StringBuilder output)
        {
            if (t_afterHeading)
            {
                t_afterHeading = false;
                return;
            }
            if (output.Length == 0) return;
            if (output.Length >= 2 && output[output.Length - 1] == '\n' && output[output.Length - 2] == '\n') return;
            output.Append('\n');
        }

        private static void AppendBlock(StringBuilder output, Block block)
        {
            switch (block)
            {
                case ParagraphBlock paragraph:
                    Separate(output);
                    AppendWrapped(output, MarkdownText.Inlines(paragraph.Inline), Indent, Indent);
                    break;
                case CodeBlock code:
                    Separate(output);
                    foreach (var line in MarkdownText.CodeText(code).Split('\n'))
                    {
                        if (line.Length > 0) output.Append(' ', Indent * 2).Append(line.TrimEnd());
                        output.Append('\n');
                    }
                    break;
                case ListBlock list:
                    Separate(output);
                    AppendList(output, list, Indent);
                    break;
                case QuoteBlock quote:
                    foreach (var child in quote) AppendBlock(output, child);
                    break;
                case Markdig.Extensions.Tables.Table table:
                    Separate(output);
                    foreach (var line in MarkdownText.RenderTable(table, Width - Indent))
                    {
                        output.Append(' ', Indent).Append(line).Append('\n');
                    }
                    break;
                case HtmlBlock _:
                case ThematicBreakBlock _:
                    break;
                default:
                    var text = MarkdownText.RenderBlock(block, 0);
                    if (text.Length > 0)
                    {
                        Separate(output);
                        AppendWrapped(output, text, Indent, Indent);
                    }
                    break;
            }
        }

        private static void AppendList(StringBuilder output, ListBlock list, int indent)
        {
            var number = 1;
            foreach (var item in list.OfType<ListItemBlock>())
            {
                var bullet = list.IsOrdered ? number++ + ". " : "- ";
                var first = true;
                foreach (var child in item)
                {
                    if (child is ListBlock nested)
                    {
                        AppendList(output, nested, indent + bullet.Length);
                    }
                    else if (child is ParagraphBlock paragraph)
                    {
                        var text = MarkdownText.Inlines(paragraph.Inline);
                        if (first) AppendWrapped(output, bullet + text, indent, indent + bullet.Length);
                        else AppendWrapped(output, text, indent + bullet.Length, indent + bullet.Length);
                    }
                    else
                    {
                        AppendBlock(output, child);
                    }
                    first = false;
                }
            }
        }

        private static void AppendWrapped(StringBuilder output, string text, int firstIndent, int restIndent)
        {
            // Hard line breaks inside the paragraph start new lines; each line is wrapped on its own.
            var first = true;
            foreach (var hardLine in text.Split('\n'))
            {
                var lines = MarkdownText.Wrap(hardLine, Width - restIndent).ToList();
                if (lines.Count == 0) continue;
                foreach (var line in lines)
                {
                    output.Append(' ', first ? firstIndent : restIndent).Append(line).Append('\n');
                    first = false;
                }
            }
        }
    }
}
