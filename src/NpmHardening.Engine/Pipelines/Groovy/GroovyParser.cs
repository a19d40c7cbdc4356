using System;
using System.Collections.Generic;

namespace NpmHardening.Engine.Pipelines.Groovy
{
    /// <summary>
    /// A tolerant parser for the Groovy that pipeline definitions are written in: statements separated by line breaks
    /// or ';', method calls with and without parentheses (<c>sh 'x'</c>, <c>sh(script: 'x')</c>), named arguments,
    /// trailing closures, lists and maps, assignments, <c>if</c>/<c>else</c>, loops, <c>try</c>, <c>switch</c> and
    /// method definitions. What it does not understand (classes, generics, casts, labels) it steps over token by token
    /// without failing, because a reader only needs the calls. What it refuses: brackets that do not match (the file
    /// would not compile either), nesting deeper than <see cref="MaxDepth"/>, and more than <see cref="MaxTokens"/>
    /// tokens — both far beyond any real pipeline, and both keep a hostile file from costing stack or memory.
    /// </summary>
    internal sealed class GroovyParser
    {
        public const int MaxDepth = 150;
        public const int MaxTokens = 1_000_000;

        private static readonly HashSet<string> BinaryOperators = new HashSet<string>(StringComparer.Ordinal)
        {
            "+", "-", "*", "/", "%", "**", "<<", ">>", ">>>", "<", ">", "<=", ">=", "==", "!=", "===", "!==", "<=>",
            "=~", "==~", "&&", "||", "&", "|", "^", "?:", "..", "..<", "?", "=", "+=", "-=", "*=", "/=", "%=", "**=",
            "<<=", ">>=", ">>>=", "&=", "|=", "^=", "?=",
        };

        private static readonly HashSet<string> AssignmentOperators = new HashSet<string>(StringComparer.Ordinal)
        {
            "=", "+=", "-=", "*=", "/=", "%=", "**=", "<<=", ">>=", ">>>=", "&=", "|=", "^=", "?=",
        };

        // Operators that may begin a line and still continue the expression of the line before.
        private static readonly HashSet<string> LineContinuingOperators = new HashSet<string>(StringComparer.Ordinal)
        {
            "&&", "||", "?:", "?", ":",
        };

        private static readonly HashSet<string> MemberOperators = new HashSet<string>(StringComparer.Ordinal)
        {
            ".", "?.", "*.", ".&", ".@", "?.@",
        };

        private static readonly HashSet<string> Modifiers = new HashSet<string>(StringComparer.Ordinal)
        {
            "def", "final", "static", "private", "public", "protected", "abstract", "void", "var", "transient", "volatile",
        };

        private static readonly HashSet<string> PrimitiveTypes = new HashSet<string>(StringComparer.Ordinal)
        {
            "boolean", "byte", "char", "short", "int", "long", "float", "double",
        };

        private readonly GroovyLexer _lexer;
        private readonly List<GroovyToken> _ahead = new List<GroovyToken>();
        private int _tokens;
        private int _depth;
        // Inside ( ) and [ ] line breaks do not end anything; a closure inside them makes them count again.
        private int _lineBreaksIgnored;
        private int _lastEnd;
        private long _consumed;

        private GroovyParser(string text, string file)
        {
            _lexer = new GroovyLexer(text, file);
        }

        /// <summary>The statements of a whole file. Throws <see cref="CiDefinitionException"/> for a file that cannot be read as Groovy.</summary>
        public static GroovyBlock Parse(string text, string file)
        {
            var parser = new GroovyParser(text, file);
            var statements = new List<GroovyNode>();
            while (true)
            {
                var t = parser.Peek(0);
                if (t.Kind == GroovyTokenKind.End) break;
                if (t.Kind == GroovyTokenKind.RightBrace) throw parser.Error(t.Line, "'}' without a matching '{'");
                parser.StatementInto(statements);
            }
            return new GroovyBlock(1, 0, text.Length, statements);
        }

        // ---------------------------------------------------------------- statements

        private void StatementInto(List<GroovyNode> statements)
        {
            long before = _consumed;
            var statement = ParseStatement();
            if (statement != null) statements.Add(statement);
            if (_consumed == before) SkipOne();
        }

        private GroovyNode? ParseStatement()
        {
            Enter();
            try
            {
                var t = Peek(0);
                switch (t.Kind)
                {
                    case GroovyTokenKind.Semicolon:
                    case GroovyTokenKind.Comma:
                        Advance();
                        return null;
                    case GroovyTokenKind.LeftBrace:
                        return ParseClosure();
                    case GroovyTokenKind.Operator when t.Text == "@":
                        SkipAnnotation();
                        return null;
                    case GroovyTokenKind.Identifier:
                        return ParseIdentifierStatement(t);
                }
                return ParseExpressionStatement();
            }
            finally { _depth--; }
        }

        private GroovyNode? ParseIdentifierStatement(GroovyToken t)
        {
            switch (t.Text)
            {
                case "if": return ParseIf();
                case "for":
                case "while":
                case "switch":
                case "synchronized":
                {
                    Advance();
                    var heads = new List<GroovyNode>();
                    if (Peek(0).Kind == GroovyTokenKind.LeftParen) heads.Add(ParseParenthesized());
                    var body = ParseBody();
                    return new GroovyControl(t.Line, t.Start, _lastEnd, t.Text, heads, new[] { body }, false);
                }
                case "do":
                {
                    Advance();
                    var body = ParseBody();
                    var heads = new List<GroovyNode>();
                    if (Peek(0).IsIdentifier("while"))
                    {
                        Advance();
                        if (Peek(0).Kind == GroovyTokenKind.LeftParen) heads.Add(ParseParenthesized());
                    }
                    return new GroovyControl(t.Line, t.Start, _lastEnd, "do", heads, new[] { body }, false);
                }
                case "try": return ParseTry();
                case "else":
                    // An else without its if: keep the body, the reader treats it as conditional code.
                    Advance();
                    return new GroovyControl(t.Line, t.Start, _lastEnd, "else", new GroovyNode[0], new[] { ParseBody() }, false);
                case "import":
                case "package":
                    Advance();
                    while (!AtStatementEnd()) Advance();
                    return null;
                case "return":
                case "throw":
                case "assert":
                    Advance();
                    if (AtStatementEnd()) return null;
                    return ParseExpression();
                case "break":
                case "continue":
                    Advance();
                    if (!AtStatementEnd() && Peek(0).Kind == GroovyTokenKind.Identifier) Advance();
                    return null;
                case "case":
                {
                    Advance();
                    var value = ParseExpression();
                    if (Peek(0).IsOperator(":")) Advance();
                    return value;
                }
                case "default":
                    if (Peek(1).IsOperator(":")) { Advance(); Advance(); return null; }
                    break;
                case "class":
                case "interface":
                case "enum":
                case "trait":
                    // Classes in a Jenkinsfile hold helper code, not steps the pipeline runs as written; step over them.
                    Advance();
                    while (Peek(0).Kind != GroovyTokenKind.LeftBrace && Peek(0).Kind != GroovyTokenKind.End) SkipOne();
                    if (Peek(0).Kind == GroovyTokenKind.LeftBrace) ParseClosure();
                    return null;
            }

            if (Modifiers.Contains(t.Text) || LooksLikeTypedDeclaration()) return ParseDeclaration(t);
            return ParseExpressionStatement();
        }

        // `String x = …`, `Map<String, String> m = …`, `String call(Map args) {`, `int n`: a type then a name.
        private bool LooksLikeTypedDeclaration()
        {
            var type = Peek(0);
            int i = 1;
            if (Peek(1).IsOperator("<") && !Peek(1).NewlineBefore)
            {
                // Generic arguments: step to the matching '>' on the same line.
                int angle = 0;
                for (; ; i++)
                {
                    var a = Peek(i);
                    if (a.Kind == GroovyTokenKind.End || (i > 1 && a.NewlineBefore) || i > 64) return false;
                    if (a.IsOperator("<")) angle++;
                    else if (a.IsOperator(">")) angle--;
                    else if (a.IsOperator(">>")) angle -= 2;
                    else if (a.IsOperator(">>>")) angle -= 3;
                    else if (a.Kind != GroovyTokenKind.Identifier && a.Kind != GroovyTokenKind.Comma && !a.IsOperator(".") && !a.IsOperator("?")) return false;
                    if (angle <= 0) { i++; break; }
                }
                if (angle != 0) return false;
            }
            while (Peek(i).Kind == GroovyTokenKind.LeftBracket && Peek(i + 1).Kind == GroovyTokenKind.RightBracket) i += 2;
            var name = Peek(i);
            if (name.Kind != GroovyTokenKind.Identifier || name.NewlineBefore) return false;
            if (name.Text == "in" || name.Text == "as" || name.Text == "instanceof") return false;
            var after = Peek(i + 1);
            if (after.Kind == GroovyTokenKind.Operator && AssignmentOperators.Contains(after.Text) && !after.NewlineBefore) return true;
            bool typeLike = char.IsUpper(type.Text[0]) || PrimitiveTypes.Contains(type.Text);
            // `String call(args) {` defines a method; `echo foo(x)` is a call, so only a capitalised or primitive type counts.
            if (after.Kind == GroovyTokenKind.LeftParen && !after.NewlineBefore) return typeLike;
            return typeLike && i > 1;
        }

        private GroovyNode? ParseDeclaration(GroovyToken first)
        {
            while (Peek(0).Kind == GroovyTokenKind.Identifier && Modifiers.Contains(Peek(0).Text)) Advance();
            if (Peek(0).Kind == GroovyTokenKind.LeftParen)
            {
                // def (a, b) = [x, y]
                ParseParenthesized();
                if (Peek(0).IsOperator("=")) { Advance(); return ParseExpression(); }
                return null;
            }
            // A type before the name (possibly generic, possibly an array).
            if (Peek(0).Kind == GroovyTokenKind.Identifier && (Peek(1).Kind == GroovyTokenKind.Identifier || Peek(1).IsOperator("<") || Peek(1).Kind == GroovyTokenKind.LeftBracket)
                && !Peek(1).NewlineBefore && LooksLikeTypedDeclaration())
            {
                Advance();
                if (Peek(0).IsOperator("<")) SkipAngles();
                while (Peek(0).Kind == GroovyTokenKind.LeftBracket && Peek(1).Kind == GroovyTokenKind.RightBracket) { Advance(); Advance(); }
            }
            var name = Peek(0);
            if (name.Kind != GroovyTokenKind.Identifier && name.Kind != GroovyTokenKind.String) return null;
            Advance();
            var next = Peek(0);
            if (next.Kind == GroovyTokenKind.LeftParen && !next.NewlineBefore)
            {
                ParseParenthesized();
                if (Peek(0).IsIdentifier("throws"))
                {
                    Advance();
                    while (Peek(0).Kind == GroovyTokenKind.Identifier || Peek(0).Kind == GroovyTokenKind.Comma || Peek(0).IsOperator(".")) Advance();
                }
                if (Peek(0).Kind == GroovyTokenKind.LeftBrace)
                {
                    var body = ParseClosure();
                    return new GroovyMethod(first.Line, first.Start, _lastEnd, name.Text, body);
                }
                return null;
            }
            if (next.Kind == GroovyTokenKind.Operator && AssignmentOperators.Contains(next.Text) && !next.NewlineBefore)
            {
                Advance();
                var value = ParseExpression();
                return new GroovyAssignment(first.Line, first.Start, _lastEnd, name.Text, value);
            }
            return null;
        }

        private void SkipAngles()
        {
            int angle = 0;
            do
            {
                var a = Peek(0);
                if (a.Kind == GroovyTokenKind.End) return;
                if (a.IsOperator("<")) angle++;
                else if (a.IsOperator(">")) angle--;
                else if (a.IsOperator(">>")) angle -= 2;
                else if (a.IsOperator(">>>")) angle -= 3;
                Advance();
            } while (angle > 0);
        }

        private GroovyNode ParseExpressionStatement()
        {
            var first = Peek(0);
            var expression = ParseExpression();
            var next = Peek(0);
            if (expression is GroovyName name && !next.NewlineBefore)
            {
                if (CanStartCommandArgument(next))
                {
                    // A command expression: `sh 'npm ci'`, `input message: 'Go?', ok: 'Yes'`, `agent any`.
                    var arguments = ParseArgumentsUntil(null);
                    GroovyBlock? closure = Peek(0).Kind == GroovyTokenKind.LeftBrace && !Peek(0).NewlineBefore ? ParseClosure() : null;
                    SplitPath(name.Path, name, out var receiver, out var method);
                    return new GroovyCall(first.Line, first.Start, _lastEnd, receiver, method, arguments, closure);
                }
            }
            return expression;
        }

        private bool CanStartCommandArgument(GroovyToken t)
        {
            switch (t.Kind)
            {
                case GroovyTokenKind.String:
                case GroovyTokenKind.Number:
                    return true;
                case GroovyTokenKind.Identifier:
                    return t.Text != "in" && t.Text != "as" && t.Text != "instanceof";
                default:
                    return false;
            }
        }

        private GroovyIf ParseIf()
        {
            var t = Advance();
            GroovyNode condition = Peek(0).Kind == GroovyTokenKind.LeftParen ? ParseParenthesized() : new GroovyOther(t.Line, t.End, t.End);
            var then = ParseBody();
            GroovyNode? otherwise = null;
            if (Peek(0).IsIdentifier("else"))
            {
                Advance();
                otherwise = Peek(0).IsIdentifier("if") ? (GroovyNode)ParseIfNested() : ParseBody();
            }
            return new GroovyIf(t.Line, t.Start, _lastEnd, condition, then, otherwise);
        }

        private GroovyIf ParseIfNested()
        {
            Enter();
            try { return ParseIf(); } finally { _depth--; }
        }

        private GroovyControl ParseTry()
        {
            var t = Advance();
            var heads = new List<GroovyNode>();
            if (Peek(0).Kind == GroovyTokenKind.LeftParen) heads.Add(ParseParenthesized());
            var bodies = new List<GroovyBlock> { ParseBody() };
            bool hasCatch = false;
            while (true)
            {
                if (Peek(0).IsIdentifier("catch"))
                {
                    Advance();
                    if (Peek(0).Kind == GroovyTokenKind.LeftParen) ParseParenthesized();
                    bodies.Add(ParseBody());
                    hasCatch = true;
                }
                else if (Peek(0).IsIdentifier("finally"))
                {
                    Advance();
                    bodies.Add(ParseBody());
                }
                else break;
            }
            return new GroovyControl(t.Line, t.Start, _lastEnd, "try", heads, bodies, hasCatch);
        }

        /// <summary>A braced block, or a single statement wrapped as one (<c>if (x) sh 'y'</c>).</summary>
        private GroovyBlock ParseBody()
        {
            var t = Peek(0);
            if (t.Kind == GroovyTokenKind.LeftBrace) return ParseClosure();
            var statements = new List<GroovyNode>();
            if (t.Kind != GroovyTokenKind.End && t.Kind != GroovyTokenKind.RightBrace) StatementInto(statements);
            return new GroovyBlock(t.Line, t.Start, _lastEnd, statements);
        }

        private void SkipAnnotation()
        {
            Advance(); // @
            if (Peek(0).Kind == GroovyTokenKind.Identifier) Advance();
            while (Peek(0).IsOperator(".") && Peek(1).Kind == GroovyTokenKind.Identifier) { Advance(); Advance(); }
            if (Peek(0).Kind == GroovyTokenKind.LeftParen && !Peek(0).NewlineBefore) ParseParenthesized();
        }

        // ---------------------------------------------------------------- expressions

        private GroovyNode ParseExpression()
        {
            Enter();
            try
            {
                var first = Peek(0);
                var left = ParseUnary();
                List<GroovyNode>? concatenation = null;
                while (true)
                {
                    var t = Peek(0);
                    bool keyword = t.Kind == GroovyTokenKind.Identifier && (t.Text == "in" || t.Text == "as" || t.Text == "instanceof");
                    if (!keyword && !(t.Kind == GroovyTokenKind.Operator && BinaryOperators.Contains(t.Text))) break;
                    if (t.NewlineBefore && _lineBreaksIgnored == 0 && !LineContinuingOperators.Contains(t.Text)) break;
                    Advance();
                    if (t.Text == "?")
                    {
                        var whenTrue = ParseExpression();
                        GroovyNode? whenFalse = null;
                        if (Peek(0).IsOperator(":")) { Advance(); whenFalse = ParseExpression(); }
                        left = new GroovyOther(first.Line, first.Start, _lastEnd, whenFalse == null ? new[] { Collapse(left, concatenation), whenTrue } : new[] { Collapse(left, concatenation), whenTrue, whenFalse });
                        concatenation = null;
                        continue;
                    }
                    if (AssignmentOperators.Contains(t.Text))
                    {
                        // Right-associative: `a = b = c`; the right side is a whole expression.
                        var value = ParseExpression();
                        left = left is GroovyName target && concatenation == null
                            ? new GroovyAssignment(first.Line, first.Start, _lastEnd, target.Path, value)
                            : (GroovyNode)new GroovyOther(first.Line, first.Start, _lastEnd, new[] { Collapse(left, concatenation), value });
                        concatenation = null;
                        continue;
                    }
                    var right = ParseUnary();
                    if (t.Text == "+")
                    {
                        if (concatenation == null) concatenation = new List<GroovyNode> { left };
                        concatenation.Add(right);
                        left = right;
                        continue;
                    }
                    left = new GroovyOther(first.Line, first.Start, _lastEnd, new[] { Collapse(left, concatenation), right });
                    concatenation = null;
                }
                if (concatenation != null) return new GroovyConcatenation(first.Line, first.Start, _lastEnd, concatenation);
                return left;
            }
            finally { _depth--; }
        }

        private GroovyNode Collapse(GroovyNode left, List<GroovyNode>? concatenation)
        {
            if (concatenation == null) return left;
            return new GroovyConcatenation(concatenation[0].Line, concatenation[0].Start, concatenation[concatenation.Count - 1].End, concatenation);
        }

        private GroovyNode ParseUnary()
        {
            var first = Peek(0);
            int prefixes = 0;
            while (true)
            {
                var t = Peek(0);
                if (t.Kind == GroovyTokenKind.Operator && (t.Text == "!" || t.Text == "-" || t.Text == "+" || t.Text == "~" || t.Text == "++"
                    || t.Text == "--" || t.Text == "*" || t.Text == "**" || t.Text == "&"))
                {
                    Advance();
                    prefixes++;
                    continue;
                }
                if (t.IsIdentifier("new") && !Peek(1).NewlineBefore) { Advance(); prefixes++; continue; }
                break;
            }
            var operand = ParsePostfix(ParsePrimary());
            return prefixes == 0 ? operand : new GroovyOther(first.Line, first.Start, _lastEnd, new[] { operand });
        }

        private GroovyNode ParsePrimary()
        {
            var t = Peek(0);
            switch (t.Kind)
            {
                case GroovyTokenKind.String:
                    Advance();
                    return new GroovyStringLiteral(t);
                case GroovyTokenKind.Number:
                    Advance();
                    return new GroovyOther(t.Line, t.Start, t.End);
                case GroovyTokenKind.Identifier:
                    Advance();
                    return new GroovyName(t.Line, t.Start, t.End, t.Text);
                case GroovyTokenKind.LeftParen:
                {
                    var inner = ParseParenthesized();
                    return inner is GroovyOther other && other.Children.Count == 1 ? other.Children[0] : inner;
                }
                case GroovyTokenKind.LeftBracket:
                    return ParseListOrMap();
                case GroovyTokenKind.LeftBrace:
                    return ParseClosure();
                default:
                    // Nothing an expression can start with: the caller skips it.
                    return new GroovyOther(t.Line, t.Start, t.Start);
            }
        }

        private GroovyNode ParsePostfix(GroovyNode node)
        {
            while (true)
            {
                var t = Peek(0);
                if (t.Kind == GroovyTokenKind.Operator && MemberOperators.Contains(t.Text))
                {
                    var member = Peek(1);
                    if (member.Kind != GroovyTokenKind.Identifier && member.Kind != GroovyTokenKind.String) break;
                    Advance();
                    Advance();
                    var next = Peek(0);
                    if (next.Kind == GroovyTokenKind.LeftParen && !next.NewlineBefore)
                    {
                        var arguments = ParseCallParentheses();
                        node = new GroovyCall(node.Line, node.Start, _lastEnd, node, member.Text, arguments, TrailingClosure(true));
                    }
                    else if (next.Kind == GroovyTokenKind.LeftBrace && !next.NewlineBefore)
                    {
                        node = new GroovyCall(node.Line, node.Start, _lastEnd, node, member.Text, new GroovyArgument[0], ParseClosure());
                        node.End = _lastEnd;
                    }
                    else if (node is GroovyName path && (t.Text == "." || t.Text == "?."))
                    {
                        node = new GroovyName(node.Line, node.Start, _lastEnd, path.Path + "." + member.Text);
                    }
                    else node = new GroovyOther(node.Line, node.Start, _lastEnd, new[] { node });
                    continue;
                }
                if (t.Kind == GroovyTokenKind.LeftParen && !t.NewlineBefore)
                {
                    var arguments = ParseCallParentheses();
                    GroovyNode? receiver;
                    string method;
                    if (node is GroovyName callee) SplitPath(callee.Path, callee, out receiver, out method);
                    else { receiver = node; method = "call"; }
                    node = new GroovyCall(node.Line, node.Start, _lastEnd, receiver, method, arguments, TrailingClosure(true));
                    continue;
                }
                if (t.Kind == GroovyTokenKind.LeftBrace && node is GroovyName name && (!t.NewlineBefore || _lineBreaksIgnored == 0))
                {
                    // `pipeline {`, `steps {`, and the same with the brace on the next line, as many Jenkinsfiles are
                    // written (`stages` newline `{`); the call branch above does the same for `stage('x')` newline `{`.
                    SplitPath(name.Path, name, out var receiver, out var method);
                    var closure = ParseClosure();
                    node = new GroovyCall(node.Line, node.Start, _lastEnd, receiver, method, new GroovyArgument[0], closure);
                    continue;
                }
                if (t.Kind == GroovyTokenKind.LeftBracket && !t.NewlineBefore)
                {
                    Advance();
                    _lineBreaksIgnored++;
                    var children = new List<GroovyNode> { node };
                    try
                    {
                        while (Peek(0).Kind != GroovyTokenKind.RightBracket)
                        {
                            if (Peek(0).Kind == GroovyTokenKind.End) throw Error(t.Line, "'[' is never closed");
                            long before = _consumed;
                            children.Add(ParseExpression());
                            if (Peek(0).Kind == GroovyTokenKind.Comma) Advance();
                            else if (_consumed == before || Peek(0).Kind != GroovyTokenKind.RightBracket) SkipOne();
                        }
                        Advance();
                    }
                    finally { _lineBreaksIgnored--; }
                    node = new GroovyOther(node.Line, node.Start, _lastEnd, children);
                    continue;
                }
                if (t.Kind == GroovyTokenKind.Operator && (t.Text == "++" || t.Text == "--") && !t.NewlineBefore)
                {
                    Advance();
                    continue;
                }
                break;
            }
            return node;
        }

        // After a call's ')': its closure, which Jenkinsfiles often put on the next line (`stage('x')` newline `{`).
        private GroovyBlock? TrailingClosure(bool acrossLineBreak)
        {
            var t = Peek(0);
            if (t.Kind != GroovyTokenKind.LeftBrace) return null;
            if (t.NewlineBefore && (!acrossLineBreak || _lineBreaksIgnored > 0)) return null;
            return ParseClosure();
        }

        private static void SplitPath(string path, GroovyName name, out GroovyNode? receiver, out string method)
        {
            int dot = path.LastIndexOf('.');
            if (dot < 0) { receiver = null; method = path; return; }
            receiver = new GroovyName(name.Line, name.Start, name.Start + dot, path.Substring(0, dot));
            method = path.Substring(dot + 1);
        }

        private List<GroovyArgument> ParseCallParentheses()
        {
            var open = Advance();
            _lineBreaksIgnored++;
            try
            {
                var arguments = ParseArgumentsUntil(open);
                if (Peek(0).Kind != GroovyTokenKind.RightParen) throw Error(open.Line, "'(' is never closed");
                Advance();
                return arguments;
            }
            finally { _lineBreaksIgnored--; }
        }

        /// <summary>Arguments separated by commas: inside parentheses up to ')' (<paramref name="open"/> set), or of a
        /// command expression up to the end of the statement (a comma at the end of a line continues it).</summary>
        private List<GroovyArgument> ParseArgumentsUntil(GroovyToken? open)
        {
            var arguments = new List<GroovyArgument>();
            bool afterComma = false;
            while (true)
            {
                var t = Peek(0);
                if (open != null)
                {
                    if (t.Kind == GroovyTokenKind.RightParen) break;
                    if (t.Kind == GroovyTokenKind.End) throw Error(open.Line, "'(' is never closed");
                }
                else if (AtStatementEnd() && !(afterComma && t.NewlineBefore && t.Kind != GroovyTokenKind.End && t.Kind != GroovyTokenKind.RightBrace)) break;
                afterComma = false;

                long before = _consumed;
                string? name = null;
                if (IsNamedArgumentStart())
                {
                    name = Advance().Text;
                    Advance(); // ':'
                }
                var value = ParseExpression();
                if (_consumed != before) arguments.Add(new GroovyArgument(name, value));
                if (Peek(0).Kind == GroovyTokenKind.Comma) { Advance(); afterComma = true; continue; }
                if (open == null) break;
                if (Peek(0).Kind != GroovyTokenKind.RightParen) SkipOne();
            }
            return arguments;
        }

        private bool IsNamedArgumentStart()
        {
            var t = Peek(0);
            return (t.Kind == GroovyTokenKind.Identifier || t.Kind == GroovyTokenKind.String || t.Kind == GroovyTokenKind.Number)
                && Peek(1).IsOperator(":");
        }

        /// <summary>( … ): the expressions inside, as one node (a condition, a loop header, a cast).</summary>
        private GroovyNode ParseParenthesized()
        {
            var open = Advance();
            _lineBreaksIgnored++;
            var children = new List<GroovyNode>();
            try
            {
                while (true)
                {
                    var t = Peek(0);
                    if (t.Kind == GroovyTokenKind.RightParen) break;
                    if (t.Kind == GroovyTokenKind.End) throw Error(open.Line, "'(' is never closed");
                    long before = _consumed;
                    var e = ParseExpression();
                    if (_consumed != before) children.Add(e);
                    if (Peek(0).Kind == GroovyTokenKind.Comma || Peek(0).Kind == GroovyTokenKind.Semicolon || Peek(0).IsOperator(":")) Advance();
                    else if (Peek(0).Kind != GroovyTokenKind.RightParen) SkipOne();
                }
                Advance();
            }
            finally { _lineBreaksIgnored--; }
            return new GroovyOther(open.Line, open.Start, _lastEnd, children);
        }

        private GroovyNode ParseListOrMap()
        {
            var open = Advance();
            _lineBreaksIgnored++;
            try
            {
                if (Peek(0).IsOperator(":") && Peek(1).Kind == GroovyTokenKind.RightBracket)
                {
                    Advance(); Advance();
                    return new GroovyMap(open.Line, open.Start, _lastEnd, new GroovyArgument[0]);
                }
                var items = new List<GroovyNode>();
                var entries = new List<GroovyArgument>();
                while (true)
                {
                    var t = Peek(0);
                    if (t.Kind == GroovyTokenKind.RightBracket) break;
                    if (t.Kind == GroovyTokenKind.End) throw Error(open.Line, "'[' is never closed");
                    long before = _consumed;
                    if (IsNamedArgumentStart())
                    {
                        string key = Advance().Text;
                        Advance();
                        entries.Add(new GroovyArgument(key, ParseExpression()));
                    }
                    else
                    {
                        var e = ParseExpression();
                        if (Peek(0).IsOperator(":"))
                        {
                            // A computed key: [(name): value], ["$x": y]
                            Advance();
                            entries.Add(new GroovyArgument(null, ParseExpression()));
                        }
                        else if (_consumed != before) items.Add(e);
                    }
                    if (Peek(0).Kind == GroovyTokenKind.Comma) Advance();
                    else if (Peek(0).Kind != GroovyTokenKind.RightBracket) SkipOne();
                }
                Advance();
                if (entries.Count > 0)
                {
                    foreach (var item in items) entries.Add(new GroovyArgument(null, item));
                    return new GroovyMap(open.Line, open.Start, _lastEnd, entries);
                }
                return new GroovyList(open.Line, open.Start, _lastEnd, items);
            }
            finally { _lineBreaksIgnored--; }
        }

        private GroovyBlock ParseClosure()
        {
            Enter();
            var open = Advance();
            int saved = _lineBreaksIgnored;
            _lineBreaksIgnored = 0;
            try
            {
                var statements = new List<GroovyNode>();
                while (true)
                {
                    var t = Peek(0);
                    if (t.Kind == GroovyTokenKind.RightBrace) break;
                    if (t.Kind == GroovyTokenKind.End) throw Error(open.Line, "'{' is never closed");
                    StatementInto(statements);
                }
                Advance();
                return new GroovyBlock(open.Line, open.Start, _lastEnd, statements);
            }
            finally { _lineBreaksIgnored = saved; _depth--; }
        }

        // ---------------------------------------------------------------- tokens

        private bool AtStatementEnd()
        {
            var t = Peek(0);
            switch (t.Kind)
            {
                case GroovyTokenKind.End:
                case GroovyTokenKind.Semicolon:
                case GroovyTokenKind.RightBrace:
                case GroovyTokenKind.RightParen:
                case GroovyTokenKind.RightBracket:
                    return true;
            }
            return t.NewlineBefore && _lineBreaksIgnored == 0;
        }

        /// <summary>Steps over one token the parser has no use for; an opening bracket takes its whole bracketed group
        /// with it, so that brackets stay matched. A closing bracket here does not match anything open.</summary>
        private void SkipOne()
        {
            var t = Peek(0);
            switch (t.Kind)
            {
                case GroovyTokenKind.End: return;
                case GroovyTokenKind.LeftBrace: ParseClosure(); return;
                case GroovyTokenKind.LeftParen: ParseParenthesized(); return;
                case GroovyTokenKind.LeftBracket: ParseListOrMap(); return;
                case GroovyTokenKind.RightBrace: throw Error(t.Line, "'}' without a matching '{'");
                case GroovyTokenKind.RightParen: throw Error(t.Line, "')' without a matching '('");
                case GroovyTokenKind.RightBracket: throw Error(t.Line, "']' without a matching '['");
            }
            Advance();
        }

        private GroovyToken Peek(int k)
        {
            while (_ahead.Count <= k)
            {
                if (_ahead.Count > 0 && _ahead[_ahead.Count - 1].Kind == GroovyTokenKind.End) return _ahead[_ahead.Count - 1];
                if (++_tokens > MaxTokens)
                    throw Error(0, "more than " + MaxTokens.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + " tokens; too large to be a pipeline definition");
                _ahead.Add(_lexer.Next());
            }
            return _ahead[k];
        }

        private GroovyToken Advance()
        {
            var t = Peek(0);
            if (t.Kind == GroovyTokenKind.End) return t;
            _ahead.RemoveAt(0);
            _lastEnd = t.End;
            _consumed++;
            return t;
        }

        private void Enter()
        {
            if (++_depth > MaxDepth) throw Error(Peek(0).Line, "nested more than " + MaxDepth + " levels deep");
        }

        private CiDefinitionException Error(int line, string reason) => _lexer.Error(line, reason);
    }
}
