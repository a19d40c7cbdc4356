using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Markdig;
using Markdig.Extensions.Tables;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace NpmHardening.HelpBuilder
{
    /// <summary>
    /// Renders markdown blocks as the plain text a console shows: emphasis markers dropped, inline code kept
    /// in backticks (as PowerShell's own help does), links as their text (plus the address when it is an
    /// absolute URL), lists as "- item" lines, code indented by four spaces.
    /// </summary>
    internal static class MarkdownText
    {
        /// <summary>The markdown dialect of the docs: YAML front matter and pipe tables.</summary>
        public static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseYamlFrontMatter().UsePipeTables().Build();

        /// <summary>Width that tables in MAML paragraphs are laid out for (Get-Help indents them by 4).</summary>
        public const int HelpWidth = 76;

        /// <summary>One paragraph string per block; soft line breaks inside a paragraph become spaces.</summary>
        public static List<string> Paragraphs(IEnumerable<Block> blocks)
        {
            var result = new List<string>();
            foreach (var block in blocks)
            {
                var text = RenderBlock(block, 0);
                if (!string.IsNullOrWhiteSpace(text)) result.Add(text.TrimEnd());
            }
            return result;
        }

        public static string RenderBlock(Block block, int indent)
        {
            var pad = new string(' ', indent);
            switch (block)
            {
                case HeadingBlock heading:
                    return pad + Inlines(heading.Inline);
                case ParagraphBlock paragraph:
                    return pad + Inlines(paragraph.Inline);
                case FencedCodeBlock fenced:
                    return Indent(CodeText(fenced), indent + 4);
                case CodeBlock code:
                    return Indent(CodeText(code), indent + 4);
                case ListBlock list:
                    return RenderList(list, indent);
                case Table table:
                    return string.Join("\n", RenderTable(table, HelpWidth - indent).Select(l => l.Length == 0 ? l : pad + l));
                case QuoteBlock quote:
                    return RenderQuote(quote, indent);
                case ThematicBreakBlock _:
                    return "";
                case HtmlBlock _:
                    return "";
                case ContainerBlock container:
                    return string.Join("\n\n", container.Select(b => RenderBlock(b, indent)).Where(s => s.Length > 0));
                case LeafBlock leaf when leaf.Inline != null:
                    return pad + Inlines(leaf.Inline);
                default:
                    return "";
            }
        }

        private static string RenderList(ListBlock list, int indent)
        {
            var sb = new StringBuilder();
            var number = 1;
            if (list.IsOrdered && int.TryParse(list.OrderedStart, out var start)) number = start;
            foreach (var item in list.OfType<ListItemBlock>())
            {
                var bullet = list.IsOrdered ? number++ + ". " : "- ";
                var first = true;
                foreach (var child in item)
                {
                    var text = RenderBlock(child, indent + bullet.Length);
                    if (text.Length == 0) continue;
                    if (first)
                    {
                        // Replace the leading indentation of the first line by the bullet.
                        text = new string(' ', indent) + bullet + text.Substring(Math.Min(text.Length, indent + bullet.Length));
                        first = false;
                    }
                    if (sb.Length > 0) sb.Append('\n');
                    sb.Append(text);
                }
            }
            return sb.ToString();
        }

        private static string RenderQuote(QuoteBlock quote, int indent)
        {
            var parts = quote.Select(b => RenderBlock(b, indent)).Where(s => s.Length > 0).ToList();
            if (parts.Count > 0)
            {
                // GitHub/Docs alerts: "> [!NOTE]" → "NOTE: ".
                var first = parts[0].TrimStart();
                if (first.StartsWith("[!", StringComparison.Ordinal))
                {
                    var close = first.IndexOf(']');
                    if (close > 2)
                    {
                        var kind = first.Substring(2, close - 2).ToUpperInvariant();
                        var rest = first.Substring(close + 1).TrimStart();
                        parts[0] = new string(' ', indent) + kind + ": " + rest;
                    }
                }
            }
            return string.Join("\n", parts);
        }

        public static string CodeText(LeafBlock code)
        {
            var lines = code.Lines.Lines.Take(code.Lines.Count).Select(l => l.Slice.ToString());
            return string.Join("\n", lines).TrimEnd('\n', '\r');
        }

        private static string Indent(string text, int indent)
        {
            var pad = new string(' ', indent);
            return string.Join("\n", text.Split('\n').Select(l => l.Length == 0 ? l : pad + l.TrimEnd('\r')));
        }

        public static string Inlines(ContainerInline? container)
        {
            if (container == null) return "";
            var sb = new StringBuilder();
            AppendInlines(sb, container);
            return sb.ToString().Trim();
        }

        private static void AppendInlines(StringBuilder sb, ContainerInline container)
        {
            foreach (var inline in container)
            {
                switch (inline)
                {
                    case LiteralInline literal:
                        sb.Append(literal.Content.ToString());
                        break;
                    case CodeInline code:
                        sb.Append('`').Append(code.Content).Append('`');
                        break;
                    case LineBreakInline lineBreak:
                        sb.Append(lineBreak.IsHard ? "\n" : " ");
                        break;
                    case AutolinkInline autolink:
                        sb.Append(autolink.Url);
                        break;
                    case LinkInline link:
                        var before = sb.Length;
                        AppendInlines(sb, link);
                        var text = sb.ToString(before, sb.Length - before);
                        if (!link.IsImage && IsAbsoluteUrl(link.Url) && !string.Equals(text, link.Url, StringComparison.Ordinal))
                        {
                            sb.Append(" (").Append(link.Url).Append(')');
                        }
                        break;
                    case HtmlEntityInline entity:
                        sb.Append(entity.Transcoded.ToString());
                        break;
                    case HtmlInline _:
                        break;
                    case ContainerInline nested:
                        AppendInlines(sb, nested);
                        break;
                    default:
                        sb.Append(inline.ToString());
                        break;
                }
            }
        }

        public static bool IsAbsoluteUrl(string? url) =>
            url != null && (url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("https://", StringComparison.OrdinalIgnoreCase));

        /// <summary>
        /// Lays a pipe table out as text lines: aligned columns under a dashed header when it fits in
        /// <paramref name="width"/>; otherwise each row as its first cell followed by the other cells, wrapped
        /// with a hanging indent (a definition list), which reads well in an 80-column console.
        /// </summary>
        public static List<string> RenderTable(Table table, int width)
        {
            var rows = table.OfType<TableRow>()
                .Select(r => (Header: r.IsHeader, Cells: r.OfType<TableCell>().Select(c => string.Join(" ", c.OfType<ParagraphBlock>().Select(pb => Inlines(pb.Inline)))).ToList()))
                .ToList();
            var columns = rows.Count == 0 ? 0 : rows.Max(r => r.Cells.Count);
            foreach (var row in rows) while (row.Cells.Count < columns) row.Cells.Add("");
            var lines = new List<string>();
            if (columns == 0) return lines;

            var widths = Enumerable.Range(0, columns).Select(c => rows.Max(r => r.Cells[c].Length)).ToList();
            const int gap = 2;
            if (widths.Sum() + gap * (columns - 1) <= width)
            {
                foreach (var row in rows)
                {
                    lines.Add(string.Join(new string(' ', gap), row.Cells.Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd());
                    if (row.Header) lines.Add(string.Join(new string(' ', gap), widths.Select(w => new string('-', w))));
                }
                return lines;
            }

            var termWidth = Math.Min(widths[0], width / 3);
            var restWidth = Math.Max(20, width - termWidth - gap);
            foreach (var row in rows)
            {
                var rest = string.Join("; ", row.Cells.Skip(1).Where(c => c.Length > 0));
                var wrapped = Wrap(rest, restWidth).ToList();
                var term = row.Cells[0];
                if (term.Length > termWidth)
                {
                    lines.Add(term);
                    term = "";
                }
                if (wrapped.Count == 0) wrapped.Add("");
                for (var i = 0; i < wrapped.Count; i++)
                {
                    lines.Add(((i == 0 ? term : "").PadRight(termWidth) + new string(' ', gap) + wrapped[i]).TrimEnd());
                }
                if (row.Header) lines.Add(new string('-', Math.Min(width, termWidth + gap + wrapped.Max(w => w.Length))));
            }
            return lines;
        }

        /// <summary>Word-wraps <paramref name="text"/> to <paramref name="width"/> columns (for about topics).</summary>
        public static IEnumerable<string> Wrap(string text, int width)
        {
            var words = text.Split(new[] { ' ', '\n' }, StringSplitOptions.RemoveEmptyEntries);
            var line = new StringBuilder();
            foreach (var word in words)
            {
                if (line.Length > 0 && line.Length + 1 + word.Length > width)
                {
                    yield return line.ToString();
                    line.Clear();
                }
                if (line.Length > 0) line.Append(' ');
                line.Append(word);
            }
            if (line.Length > 0) yield return line.ToString();
        }
    }
}
