using System;
using System.Collections.Generic;
using System.Text;
using NpmHardening.Engine.Pipelines.Groovy;

namespace NpmHardening.Engine.Pipelines
{
    /// <summary>
    /// Which runs reach a stage, from a declarative <c>when { }</c> block or a scripted <c>if (…)</c>: tag, branch and
    /// change-request conditions become triggers; everything else leaves the stage reachable by any run.
    /// </summary>
    internal static class JenkinsConditions
    {
        /// <summary>The conditions of a <c>when</c> block (all must hold, as Jenkins reads them).</summary>
        public static JenkinsTriggerSet FromWhen(GroovyBlock when, string file, Action<int> noteTags, Func<GroovyNode?, string> sourceText)
        {
            var result = JenkinsTriggerSet.Any;
            foreach (var statement in when.Statements)
                if (statement is GroovyCall call && call.Receiver == null) result = result.Intersect(FromCondition(call, file, noteTags, sourceText));
            return result;
        }

        private static JenkinsTriggerSet FromCondition(GroovyCall call, string file, Action<int> noteTags, Func<GroovyNode?, string> sourceText)
        {
            var source = new CiSource(file, call.Line);
            switch (call.Name)
            {
                case "tag":
                    noteTags(call.Line);
                    return JenkinsTriggerSet.Of(new CiTrigger(CiTriggerKind.Tag, Pattern(call) ?? "*", source));
                case "buildingTag":
                    noteTags(call.Line);
                    return JenkinsTriggerSet.Of(new CiTrigger(CiTriggerKind.Tag, null, source));
                case "branch":
                    return JenkinsTriggerSet.Of(new CiTrigger(CiTriggerKind.Push, Pattern(call), source));
                case "changeRequest":
                {
                    var filters = new List<string>();
                    foreach (var argument in call.Arguments)
                        if (argument.Name != null && argument.Value is GroovyStringLiteral literal) filters.Add(argument.Name + ": " + literal.Value);
                    return JenkinsTriggerSet.Of(new CiTrigger(CiTriggerKind.PullRequest, filters.Count == 0 ? null : string.Join(", ", filters), source));
                }
                case "triggeredBy":
                {
                    var cause = Literal(call.Positional(0) ?? call.Named("cause")) ?? "";
                    if (cause.IndexOf("Timer", StringComparison.OrdinalIgnoreCase) >= 0)
                        return JenkinsTriggerSet.Of(new CiTrigger(CiTriggerKind.Schedule, cause, source));
                    if (cause.IndexOf("UserIdCause", StringComparison.OrdinalIgnoreCase) >= 0)
                        return JenkinsTriggerSet.Of(new CiTrigger(CiTriggerKind.Manual, cause, source));
                    if (cause.IndexOf("SCMTrigger", StringComparison.OrdinalIgnoreCase) >= 0 || cause.IndexOf("BranchIndexing", StringComparison.OrdinalIgnoreCase) >= 0)
                        return JenkinsTriggerSet.Of(new CiTrigger(CiTriggerKind.Push, cause, source));
                    return JenkinsTriggerSet.Any;
                }
                case "allOf":
                    return call.Closure == null ? JenkinsTriggerSet.Any : FromWhen(call.Closure, file, noteTags, sourceText);
                case "anyOf":
                {
                    if (call.Closure == null) return JenkinsTriggerSet.Any;
                    JenkinsTriggerSet? union = null;
                    foreach (var statement in call.Closure.Statements)
                    {
                        if (!(statement is GroovyCall inner) || inner.Receiver != null) continue;
                        var set = FromCondition(inner, file, noteTags, sourceText);
                        union = union == null ? set : union.Union(set);
                    }
                    return union ?? JenkinsTriggerSet.Any;
                }
                case "not":
                    return call.Closure == null ? JenkinsTriggerSet.Any : FromWhen(call.Closure, file, noteTags, sourceText).Negate();
                case "expression":
                    if (call.Closure == null) return JenkinsTriggerSet.Any;
                    var text = new StringBuilder();
                    foreach (var statement in call.Closure.Statements) text.Append(sourceText(statement)).Append(' ');
                    var body = text.ToString().Trim();
                    if (body.StartsWith("return ", StringComparison.Ordinal)) body = body.Substring(7);
                    return FromGroovy(body, file, call.Line, noteTags);
                default:
                    // environment, equals, changelog, changeset, beforeAgent, beforeInput …: not about what started the run.
                    return JenkinsTriggerSet.Any;
            }
        }

        private static string? Pattern(GroovyCall call)
        {
            var pattern = Literal(call.Positional(0) ?? call.Named("pattern"));
            var comparator = Literal(call.Named("comparator"));
            if (pattern == null) return null;
            return comparator == null || comparator == "GLOB" ? pattern : pattern + " (" + comparator + ")";
        }

        private static string? Literal(GroovyNode? node) => node is GroovyStringLiteral literal ? literal.Value : null;

        /// <summary>
        /// The common tests of a Groovy condition on what started the run, joined by <c>&amp;&amp;</c> and <c>||</c>:
        /// <c>env.BRANCH_NAME == 'main'</c> (also <c>.equals('main')</c>, either side), <c>env.TAG_NAME</c>,
        /// <c>buildingTag()</c>, <c>env.CHANGE_ID</c> and their negations (<c>!</c>, <c>== null</c>). Anything else is
        /// "any run". The condition text is the parsed condition's source, so quotes and comments are already
        /// delimited by the Groovy lexer; this only reads the few fixed shapes above.
        /// </summary>
        public static JenkinsTriggerSet FromGroovy(string condition, string file, int line, Action<int> noteTags)
        {
            var compact = Compact(condition);
            if (compact.Length == 0 || Depth(compact) < 0) return JenkinsTriggerSet.Any;
            var source = new CiSource(file, line);
            JenkinsTriggerSet? any = null;
            foreach (var alternative in SplitTopLevel(compact, "||"))
            {
                var all = JenkinsTriggerSet.Any;
                foreach (var term in SplitTopLevel(alternative, "&&")) all = all.Intersect(Term(term, source, line, noteTags));
                any = any == null ? all : any.Union(all);
            }
            return any ?? JenkinsTriggerSet.Any;
        }

        private static JenkinsTriggerSet Term(string term, CiSource source, int line, Action<int> noteTags)
        {
            while (term.Length > 2 && term[0] == '(' && term[term.Length - 1] == ')' && Depth(term.Substring(1, term.Length - 2)) == 0)
                term = term.Substring(1, term.Length - 2);
            // A parenthesised group of its own: read it again (each time shorter, so this ends).
            if (SplitTopLevel(term, "||").Count > 1 || SplitTopLevel(term, "&&").Count > 1)
                return FromGroovy(term, source.File, line, noteTags);

            bool negated = false;
            if (term.StartsWith("!", StringComparison.Ordinal) && !term.StartsWith("!=", StringComparison.Ordinal)) { negated = true; term = term.Substring(1); }
            if (term.EndsWith("==null", StringComparison.Ordinal)) { negated = !negated; term = term.Substring(0, term.Length - 6); }
            else if (term.EndsWith("!=null", StringComparison.Ordinal)) term = term.Substring(0, term.Length - 6);

            JenkinsTriggerSet set;
            var name = Variable(term);
            if (name == "TAG_NAME" || term == "buildingTag()")
            {
                noteTags(line);
                set = JenkinsTriggerSet.Of(new CiTrigger(CiTriggerKind.Tag, null, source));
            }
            else if (name == "CHANGE_ID")
                set = JenkinsTriggerSet.Of(new CiTrigger(CiTriggerKind.PullRequest, null, source));
            else if (BranchEquals(term) is string branch)
                set = JenkinsTriggerSet.Of(new CiTrigger(CiTriggerKind.Push, branch, source));
            else
                return JenkinsTriggerSet.Any;
            return negated ? set.Negate() : set;
        }

        // env.BRANCH_NAME=='main', BRANCH_NAME=="main", 'main'==env.BRANCH_NAME, env.BRANCH_NAME.equals('main')
        private static string? BranchEquals(string term)
        {
            string left, right;
            int eq = term.IndexOf("==", StringComparison.Ordinal);
            if (eq > 0 && term.IndexOf("==", eq + 2, StringComparison.Ordinal) < 0) { left = term.Substring(0, eq); right = term.Substring(eq + 2); }
            else
            {
                const string equalsCall = ".equals(";
                int call = term.IndexOf(equalsCall, StringComparison.Ordinal);
                if (call <= 0 || !term.EndsWith(")", StringComparison.Ordinal)) return null;
                left = term.Substring(0, call);
                right = term.Substring(call + equalsCall.Length, term.Length - call - equalsCall.Length - 1);
            }
            if (Variable(left) == "BRANCH_NAME") return Quoted(right);
            if (Variable(right) == "BRANCH_NAME") return Quoted(left);
            return null;
        }

        private static string? Variable(string text)
        {
            foreach (var prefix in new[] { "env.", "env?.", "" })
            {
                if (!text.StartsWith(prefix, StringComparison.Ordinal)) continue;
                var rest = text.Substring(prefix.Length);
                if (rest.Length > 0 && IsName(rest)) return rest;
            }
            return null;
        }

        private static bool IsName(string text)
        {
            foreach (var c in text) if (!(char.IsLetterOrDigit(c) || c == '_')) return false;
            return true;
        }

        private static string? Quoted(string text)
        {
            if (text.Length >= 2 && (text[0] == '\'' || text[0] == '"') && text[text.Length - 1] == text[0])
            {
                var inner = text.Substring(1, text.Length - 2);
                return inner.IndexOf(text[0]) < 0 && inner.IndexOf('$') < 0 ? inner : null;
            }
            return null;
        }

        // Whitespace removed outside quotes, so that `env.BRANCH_NAME == 'main'` and `env.BRANCH_NAME=='main'` read alike.
        private static string Compact(string text)
        {
            var result = new StringBuilder(text.Length);
            char quote = '\0';
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (quote != '\0')
                {
                    result.Append(c);
                    if (c == '\\' && i + 1 < text.Length) { result.Append(text[++i]); continue; }
                    if (c == quote) quote = '\0';
                    continue;
                }
                if (c == '\'' || c == '"') { quote = c; result.Append(c); continue; }
                if (!char.IsWhiteSpace(c)) result.Append(c);
            }
            return result.ToString();
        }

        private static int Depth(string text)
        {
            int depth = 0;
            char quote = '\0';
            foreach (var c in text)
            {
                if (quote != '\0') { if (c == quote) quote = '\0'; continue; }
                if (c == '\'' || c == '"') quote = c;
                else if (c == '(') depth++;
                else if (c == ')' && --depth < 0) return -1;
            }
            return depth;
        }

        private static List<string> SplitTopLevel(string text, string separator)
        {
            var parts = new List<string>();
            int depth = 0, start = 0;
            char quote = '\0';
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (quote != '\0') { if (c == quote) quote = '\0'; continue; }
                if (c == '\'' || c == '"') quote = c;
                else if (c == '(') depth++;
                else if (c == ')') depth--;
                else if (depth == 0 && string.CompareOrdinal(text, i, separator, 0, separator.Length) == 0)
                {
                    parts.Add(text.Substring(start, i - start));
                    start = i + separator.Length;
                    i += separator.Length - 1;
                }
            }
            parts.Add(text.Substring(start));
            return parts;
        }
    }
}
