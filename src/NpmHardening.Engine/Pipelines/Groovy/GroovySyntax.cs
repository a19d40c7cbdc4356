using System.Collections.Generic;

namespace NpmHardening.Engine.Pipelines.Groovy
{
    // The little syntax tree a pipeline reader needs: calls (with or without parentheses, named arguments, trailing
    // closures), blocks, assignments, control flow and literals. Anything else is an Other node that keeps only its
    // place in the source, so a reader can still quote it (a condition) without the parser understanding it.

    internal abstract class GroovyNode
    {
        protected GroovyNode(int line, int start, int end) { Line = line; Start = start; End = end; }
        public int Line { get; }
        /// <summary>Source offsets [Start, End) of the whole node.</summary>
        public int Start { get; }
        public int End { get; internal set; }
    }

    /// <summary>A block of statements: a closure (<c>{ a -> … }</c>, parameters skipped) or a control-flow body.</summary>
    internal sealed class GroovyBlock : GroovyNode
    {
        public GroovyBlock(int line, int start, int end, IReadOnlyList<GroovyNode> statements) : base(line, start, end) { Statements = statements; }
        public IReadOnlyList<GroovyNode> Statements { get; }
    }

    internal sealed class GroovyArgument
    {
        public GroovyArgument(string? name, GroovyNode value) { Name = name; Value = value; }
        /// <summary>The name of a named argument (<c>credentialsId: 'x'</c>) or map entry; null for a positional one.</summary>
        public string? Name { get; }
        public GroovyNode Value { get; }
    }

    /// <summary>A method call: <c>sh 'x'</c>, <c>sh(script: 'x')</c>, <c>stage('A') { … }</c>, <c>docker.image('n').inside { … }</c>.</summary>
    internal sealed class GroovyCall : GroovyNode
    {
        public GroovyCall(int line, int start, int end, GroovyNode? receiver, string name, IReadOnlyList<GroovyArgument> arguments, GroovyBlock? closure)
            : base(line, start, end)
        {
            Receiver = receiver; Name = name; Arguments = arguments; Closure = closure;
        }

        /// <summary>What the method is called on (<c>docker.image('n')</c> for <c>.inside</c>); null for a plain call.</summary>
        public GroovyNode? Receiver { get; }
        public string Name { get; }
        public IReadOnlyList<GroovyArgument> Arguments { get; }
        /// <summary>The closure written after the arguments, if any.</summary>
        public GroovyBlock? Closure { get; }

        public GroovyNode? Positional(int index)
        {
            int i = 0;
            foreach (var a in Arguments)
                if (a.Name == null && i++ == index) return a.Value;
            return null;
        }

        public GroovyNode? Named(string name)
        {
            foreach (var a in Arguments)
                if (a.Name == name) return a.Value;
            return null;
        }
    }

    /// <summary>A string literal in any form. <see cref="Value"/> has escapes applied and interpolations as written.</summary>
    internal sealed class GroovyStringLiteral : GroovyNode
    {
        public GroovyStringLiteral(GroovyToken token) : base(token.Line, token.Start, token.End)
        {
            Value = token.Text; Form = token.StringForm; Interpolated = token.Interpolated; ContentLine = token.ContentLine;
        }
        public string Value { get; }
        public GroovyStringForm Form { get; }
        public bool Interpolated { get; }
        public int ContentLine { get; }
    }

    /// <summary>A name or a dotted property path: <c>NPM_TOKEN</c>, <c>env.BRANCH_NAME</c>, <c>params.RELEASE</c>.</summary>
    internal sealed class GroovyName : GroovyNode
    {
        public GroovyName(int line, int start, int end, string path) : base(line, start, end) { Path = path; }
        public string Path { get; }
    }

    /// <summary>Strings and values joined with <c>+</c>.</summary>
    internal sealed class GroovyConcatenation : GroovyNode
    {
        public GroovyConcatenation(int line, int start, int end, IReadOnlyList<GroovyNode> parts) : base(line, start, end) { Parts = parts; }
        public IReadOnlyList<GroovyNode> Parts { get; }
    }

    internal sealed class GroovyList : GroovyNode
    {
        public GroovyList(int line, int start, int end, IReadOnlyList<GroovyNode> items) : base(line, start, end) { Items = items; }
        public IReadOnlyList<GroovyNode> Items { get; }
    }

    internal sealed class GroovyMap : GroovyNode
    {
        public GroovyMap(int line, int start, int end, IReadOnlyList<GroovyArgument> entries) : base(line, start, end) { Entries = entries; }
        public IReadOnlyList<GroovyArgument> Entries { get; }

        public GroovyNode? Get(string key)
        {
            foreach (var e in Entries)
                if (e.Name == key) return e.Value;
            return null;
        }
    }

    /// <summary><c>target = value</c> (also <c>def target = value</c>, <c>String target = value</c>, <c>+=</c>).</summary>
    internal sealed class GroovyAssignment : GroovyNode
    {
        public GroovyAssignment(int line, int start, int end, string target, GroovyNode value) : base(line, start, end) { Target = target; Value = value; }
        public string Target { get; }
        public GroovyNode Value { get; }
    }

    /// <summary><c>if (condition) then else otherwise</c>; <see cref="Else"/> is a block, another if, or null.</summary>
    internal sealed class GroovyIf : GroovyNode
    {
        public GroovyIf(int line, int start, int end, GroovyNode condition, GroovyBlock then, GroovyNode? @else) : base(line, start, end)
        {
            Condition = condition; Then = then; Else = @else;
        }
        public GroovyNode Condition { get; }
        public GroovyBlock Then { get; }
        public GroovyNode? Else { get; }
    }

    /// <summary>Other control flow whose bodies run zero or more times or may be cut short: <c>for</c>, <c>while</c>,
    /// <c>switch</c>, <c>try</c>/<c>catch</c>/<c>finally</c>. <see cref="Keyword"/> is the first word.</summary>
    internal sealed class GroovyControl : GroovyNode
    {
        public GroovyControl(int line, int start, int end, string keyword, IReadOnlyList<GroovyNode> heads, IReadOnlyList<GroovyBlock> bodies, bool hasCatch)
            : base(line, start, end)
        {
            Keyword = keyword; Heads = heads; Bodies = bodies; HasCatch = hasCatch;
        }
        public string Keyword { get; }
        /// <summary>The parenthesised parts (loop header, switch subject), which can hold calls too.</summary>
        public IReadOnlyList<GroovyNode> Heads { get; }
        public IReadOnlyList<GroovyBlock> Bodies { get; }
        /// <summary>A <c>try</c> with at least one <c>catch</c>: a failure (an aborted input) inside does not stop what follows.</summary>
        public bool HasCatch { get; }
    }

    /// <summary><c>def name(params) { body }</c> (any modifiers or return type).</summary>
    internal sealed class GroovyMethod : GroovyNode
    {
        public GroovyMethod(int line, int start, int end, string name, GroovyBlock body) : base(line, start, end) { Name = name; Body = body; }
        public string Name { get; }
        public GroovyBlock Body { get; }
    }

    /// <summary>Anything the reader does not need to understand; <see cref="Children"/> are nodes found inside it that
    /// may still hold calls (the operands of an operator, the index of a subscript).</summary>
    internal sealed class GroovyOther : GroovyNode
    {
        public static readonly IReadOnlyList<GroovyNode> NoChildren = new GroovyNode[0];
        public GroovyOther(int line, int start, int end, IReadOnlyList<GroovyNode>? children = null) : base(line, start, end)
        {
            Children = children ?? NoChildren;
        }
        public IReadOnlyList<GroovyNode> Children { get; }
    }
}
