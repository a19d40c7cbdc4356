using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;

namespace NpmHardening.Engine.Pipelines.Readers
{
    /// <summary>Three-valued truth: what a rule's expression is for a kind of pipeline, when the run's own values (the
    /// branch name, a project variable) are not known.</summary>
    internal enum Tri
    {
        False,
        Unknown,
        True,
    }

    /// <summary>
    /// GitLab's CI/CD variable expressions (<c>rules:if</c>, <c>only:variables</c>, <c>workflow:rules</c>): a small parser
    /// and a three-valued evaluator over what each kind of pipeline is known to set. A tag pipeline sets
    /// <c>CI_COMMIT_TAG</c> and not <c>CI_COMMIT_BRANCH</c>; a merge request pipeline has <c>CI_PIPELINE_SOURCE ==
    /// "merge_request_event"</c> and the <c>CI_MERGE_REQUEST_*</c> variables; anything the kind does not decide is unknown.
    /// A text that does not parse is unknown, never an error: GitLab reports its own syntax errors.
    /// </summary>
    internal static class GitLabRules
    {
        /// <summary>The kinds of pipeline the reader tells apart, in report order.</summary>
        public static readonly CiTriggerKind[] Kinds =
        {
            CiTriggerKind.Push, CiTriggerKind.Tag, CiTriggerKind.PullRequest, CiTriggerKind.Schedule, CiTriggerKind.Manual, CiTriggerKind.Other,
        };

        private enum State { Unset, Set, Known, Unknown }

        private readonly struct Value
        {
            public Value(State state, string? text = null) { State = state; Text = text; }
            public State State { get; }
            public string? Text { get; }
        }

        private static Value Variable(string name, CiTriggerKind kind, bool child)
        {
            if (child && name == "CI_PIPELINE_SOURCE") return new Value(State.Known, "parent_pipeline");
            switch (name)
            {
                case "CI_PIPELINE_SOURCE":
                    switch (kind)
                    {
                        case CiTriggerKind.Push: case CiTriggerKind.Tag: return new Value(State.Known, "push");
                        case CiTriggerKind.PullRequest: return new Value(State.Known, "merge_request_event");
                        case CiTriggerKind.Schedule: return new Value(State.Known, "schedule");
                        case CiTriggerKind.Manual: return new Value(State.Known, "web");
                        default: return new Value(State.Unknown);
                    }
                case "CI_COMMIT_TAG":
                case "CI_COMMIT_TAG_MESSAGE":
                    return kind == CiTriggerKind.Tag ? new Value(State.Set) : kind == CiTriggerKind.Other ? new Value(State.Unknown) : new Value(State.Unset);
                case "CI_COMMIT_BRANCH":
                    return kind == CiTriggerKind.Tag || kind == CiTriggerKind.PullRequest ? new Value(State.Unset) : kind == CiTriggerKind.Other ? new Value(State.Unknown) : new Value(State.Set);
                case "CI_COMMIT_REF_NAME":
                case "CI_COMMIT_REF_SLUG":
                case "CI_COMMIT_SHA":
                case "CI_DEFAULT_BRANCH":
                case "CI_PROJECT_PATH":
                case "CI_PROJECT_NAMESPACE":
                case "CI_PROJECT_NAME":
                    return new Value(State.Set);
            }
            if (name.StartsWith("CI_MERGE_REQUEST_", StringComparison.Ordinal))
                return kind == CiTriggerKind.PullRequest ? new Value(State.Set) : kind == CiTriggerKind.Other ? new Value(State.Unknown) : new Value(State.Unset);
            return new Value(State.Unknown);
        }

        /// <summary>What <paramref name="expression"/> is in a pipeline of <paramref name="kind"/>.</summary>
        public static Tri Evaluate(string? expression, CiTriggerKind kind, bool childPipeline = false)
        {
            if (string.IsNullOrWhiteSpace(expression)) return Tri.True;
            try
            {
                var parser = new Parser(Tokenize(expression!), kind, childPipeline);
                var result = parser.Or();
                return parser.AtEnd ? result : Tri.Unknown;
            }
            catch (FormatException)
            {
                return Tri.Unknown;
            }
        }

        /// <summary>Kinds of pipeline an expression talks about explicitly (for the set of pipelines a project has).</summary>
        public static IEnumerable<CiTriggerKind> Mentioned(string? expression)
        {
            if (string.IsNullOrEmpty(expression)) yield break;
            List<Token> tokens;
            try { tokens = Tokenize(expression!); }
            catch (FormatException) { yield break; }
            foreach (var t in tokens)
            {
                if (t.Kind == TokenKind.Variable && t.Text.StartsWith("CI_MERGE_REQUEST_", StringComparison.Ordinal)) yield return CiTriggerKind.PullRequest;
                if (t.Kind != TokenKind.String) continue;
                switch (t.Text)
                {
                    case "merge_request_event": case "external_pull_request_event": yield return CiTriggerKind.PullRequest; break;
                    case "schedule": yield return CiTriggerKind.Schedule; break;
                    case "web": yield return CiTriggerKind.Manual; break;
                    case "api": case "trigger": case "pipeline": case "parent_pipeline": case "chat": yield return CiTriggerKind.Other; break;
                }
            }
        }

        // ---- tokens ----------------------------------------------------------------------------------------------

        private enum TokenKind { Variable, String, Regex, Null, Operator, Open, Close }

        private sealed class Token
        {
            public Token(TokenKind kind, string text, string flags = "") { Kind = kind; Text = text; Flags = flags; }
            public TokenKind Kind { get; }
            public string Text { get; }
            public string Flags { get; }
        }

        private static List<Token> Tokenize(string text)
        {
            var tokens = new List<Token>();
            var i = 0;
            while (i < text.Length)
            {
                var c = text[i];
                if (char.IsWhiteSpace(c)) { i++; continue; }
                if (c == '(') { tokens.Add(new Token(TokenKind.Open, "(")); i++; continue; }
                if (c == ')') { tokens.Add(new Token(TokenKind.Close, ")")); i++; continue; }
                if (c == '$')
                {
                    var braced = i + 1 < text.Length && text[i + 1] == '{';
                    var start = i + (braced ? 2 : 1);
                    var j = start;
                    while (j < text.Length && (char.IsLetterOrDigit(text[j]) || text[j] == '_')) j++;
                    if (j == start) throw new FormatException();
                    tokens.Add(new Token(TokenKind.Variable, text.Substring(start, j - start)));
                    i = braced ? j + 1 : j;
                    continue;
                }
                if (c == '"' || c == '\'')
                {
                    var end = text.IndexOf(c, i + 1);
                    if (end < 0) throw new FormatException();
                    tokens.Add(new Token(TokenKind.String, text.Substring(i + 1, end - i - 1)));
                    i = end + 1;
                    continue;
                }
                if (c == '/' && tokens.Count > 0 && tokens[tokens.Count - 1].Kind == TokenKind.Operator && (tokens[tokens.Count - 1].Text == "=~" || tokens[tokens.Count - 1].Text == "!~"))
                {
                    var j = i + 1;
                    while (j < text.Length && text[j] != '/') j += text[j] == '\\' ? 2 : 1;
                    if (j >= text.Length) throw new FormatException();
                    var pattern = text.Substring(i + 1, j - i - 1);
                    var k = j + 1;
                    while (k < text.Length && char.IsLetter(text[k])) k++;
                    tokens.Add(new Token(TokenKind.Regex, pattern, text.Substring(j + 1, k - j - 1)));
                    i = k;
                    continue;
                }
                if (i + 1 < text.Length)
                {
                    var two = text.Substring(i, 2);
                    if (two == "==" || two == "!=" || two == "=~" || two == "!~" || two == "&&" || two == "||")
                    {
                        tokens.Add(new Token(TokenKind.Operator, two));
                        i += 2;
                        continue;
                    }
                }
                if (string.CompareOrdinal(text, i, "null", 0, 4) == 0) { tokens.Add(new Token(TokenKind.Null, "null")); i += 4; continue; }
                throw new FormatException();
            }
            return tokens;
        }

        // ---- evaluation ------------------------------------------------------------------------------------------

        private sealed class Parser
        {
            private readonly List<Token> _tokens;
            private readonly CiTriggerKind _kind;
            private readonly bool _child;
            private int _at;

            public Parser(List<Token> tokens, CiTriggerKind kind, bool child) { _tokens = tokens; _kind = kind; _child = child; }

            public bool AtEnd => _at >= _tokens.Count;
            private Token? Peek => _at < _tokens.Count ? _tokens[_at] : null;

            public Tri Or()
            {
                var left = And();
                while (Peek is Token t && t.Kind == TokenKind.Operator && t.Text == "||")
                {
                    _at++;
                    var right = And();
                    left = left == Tri.True || right == Tri.True ? Tri.True : left == Tri.False && right == Tri.False ? Tri.False : Tri.Unknown;
                }
                return left;
            }

            private Tri And()
            {
                var left = Primary();
                while (Peek is Token t && t.Kind == TokenKind.Operator && t.Text == "&&")
                {
                    _at++;
                    var right = Primary();
                    left = left == Tri.False || right == Tri.False ? Tri.False : left == Tri.True && right == Tri.True ? Tri.True : Tri.Unknown;
                }
                return left;
            }

            private Tri Primary()
            {
                var token = Peek ?? throw new FormatException();
                if (token.Kind == TokenKind.Open)
                {
                    _at++;
                    var inner = Or();
                    if (!(Peek is Token close) || close.Kind != TokenKind.Close) throw new FormatException();
                    _at++;
                    return inner;
                }
                _at++;
                var left = Operand(token);
                if (Peek is Token op && op.Kind == TokenKind.Operator && op.Text != "&&" && op.Text != "||")
                {
                    _at++;
                    var rightToken = Peek ?? throw new FormatException();
                    _at++;
                    switch (op.Text)
                    {
                        case "==": return Equal(left, Operand(rightToken));
                        case "!=": return Not(Equal(left, Operand(rightToken)));
                        case "=~": return Match(left, rightToken);
                        case "!~": return Not(Match(left, rightToken));
                    }
                    throw new FormatException();
                }
                // a lone operand: true when the variable is set and not empty
                switch (left.State)
                {
                    case State.Unset: return Tri.False;
                    case State.Set: return Tri.True;
                    case State.Known: return string.IsNullOrEmpty(left.Text) ? Tri.False : Tri.True;
                    default: return Tri.Unknown;
                }
            }

            private Value Operand(Token token)
            {
                switch (token.Kind)
                {
                    case TokenKind.Variable: return Variable(token.Text, _kind, _child);
                    case TokenKind.String: return new Value(State.Known, token.Text);
                    case TokenKind.Null: return new Value(State.Unset);
                    default: throw new FormatException();
                }
            }

            private static Tri Not(Tri value) => value == Tri.True ? Tri.False : value == Tri.False ? Tri.True : Tri.Unknown;

            private static Tri Equal(Value a, Value b)
            {
                if (a.State == State.Unknown || b.State == State.Unknown) return Tri.Unknown;
                if (a.State == State.Unset || b.State == State.Unset) return a.State == b.State ? Tri.True : Tri.False;
                if (a.State == State.Known && b.State == State.Known) return string.Equals(a.Text, b.Text, StringComparison.Ordinal) ? Tri.True : Tri.False;
                return Tri.Unknown;
            }

            private static Tri Match(Value left, Token pattern)
            {
                if (left.State == State.Unset) return Tri.False;
                if (left.State != State.Known || pattern.Kind != TokenKind.Regex) return Tri.Unknown;
                try
                {
                    var options = pattern.Flags.IndexOf('i') >= 0 ? RegexOptions.IgnoreCase : RegexOptions.None;
                    // the pattern comes from the file: bounded in time, culture-free
                    return Regex.IsMatch(left.Text ?? "", pattern.Text, options | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100)) ? Tri.True : Tri.False;
                }
                catch (ArgumentException) { return Tri.Unknown; }
                catch (RegexMatchTimeoutException) { return Tri.Unknown; }
            }
        }
    }
}
