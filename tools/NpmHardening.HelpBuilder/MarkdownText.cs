using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
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
