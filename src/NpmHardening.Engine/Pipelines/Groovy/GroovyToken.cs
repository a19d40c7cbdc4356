namespace NpmHardening.Engine.Pipelines.Groovy
{
    internal enum GroovyTokenKind
    {
        End,
        Identifier,
        Number,
        String,
        /// <summary>Any operator, and any character the lexer has no use for (kept, so the parser can skip it).</summary>
        Operator,
        LeftBrace,
        RightBrace,
        LeftParen,
        RightParen,
        LeftBracket,
        RightBracket,
        Comma,
        Semicolon,
    }

    /// <summary>The six ways Groovy writes a string literal.</summary>
    internal enum GroovyStringForm
    {
        None,
        /// <summary><c>'…'</c>: no interpolation, one line.</summary>
        Single,
        /// <summary><c>"…"</c>: a GString when it holds <c>$name</c> or <c>${expr}</c>; one line.</summary>
        Double,
        /// <summary><c>'''…'''</c>: no interpolation, many lines.</summary>
        TripleSingle,
        /// <summary><c>"""…"""</c>: interpolation, many lines.</summary>
        TripleDouble,
        /// <summary><c>/…/</c>: only <c>\/</c> is an escape; interpolation; many lines.</summary>
        Slashy,
        /// <summary><c>$/…/$</c>: <c>$$</c> and <c>$/</c> are the escapes; interpolation; many lines.</summary>
        DollarSlashy,
    }

    internal sealed class GroovyToken
    {
        public GroovyToken(GroovyTokenKind kind, string text, int line, int column, int start, int end, bool newlineBefore)
        {
            Kind = kind; Text = text; Line = line; Column = column; Start = start; End = end; NewlineBefore = newlineBefore;
        }

        public GroovyTokenKind Kind { get; }

        /// <summary>The identifier, number or operator as written; for a string, its value after escapes, with
        /// interpolations (<c>${env.X}</c>, <c>$X</c>) kept as written.</summary>
        public string Text { get; }

        /// <summary>1-based line and column of the token's first character.</summary>
        public int Line { get; }
        public int Column { get; }

        /// <summary>Offsets in the source: [Start, End).</summary>
        public int Start { get; }
        public int End { get; }

        /// <summary>A line break separates this token from the previous one (Groovy ends statements at line breaks).</summary>
        public bool NewlineBefore { get; }

        public GroovyStringForm StringForm { get; set; }

        /// <summary>The string holds at least one <c>$name</c> or <c>${expr}</c>.</summary>
        public bool Interpolated { get; set; }

        /// <summary>The line where the string's value starts: the token's line, or the next one when a triple-quoted
        /// string opens with a line break (which is then not part of <see cref="Text"/>).</summary>
        public int ContentLine { get; set; }

        public bool Is(GroovyTokenKind kind, string text) => Kind == kind && Text == text;
        public bool IsOperator(string text) => Kind == GroovyTokenKind.Operator && Text == text;
        public bool IsIdentifier(string text) => Kind == GroovyTokenKind.Identifier && Text == text;

        public override string ToString() => Kind + " '" + (Kind == GroovyTokenKind.String ? "…" : Text) + "' @" + Line + ":" + Column;
    }
}
