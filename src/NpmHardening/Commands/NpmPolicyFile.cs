using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using NpmHardening.Engine.Policy;

namespace NpmHardening.Commands
{
    /// <summary>
    /// Reads a policy file (.psd1) the way Import-PowerShellDataFile does, in Windows PowerShell 5.1 and PowerShell 7
    /// alike: PowerShell's parser builds the syntax tree, nothing in it is ever run, and only constants are taken
    /// (<c>SafeGetValue</c>: strings without variables or subexpressions, numbers, <c>$true</c>, <c>$false</c>,
    /// <c>$null</c>), inside hashtables and arrays whose lines are kept. Anything else — a variable, a command, a method
    /// call, a script block — is refused with the file and line. The engine (<see cref="NpmPolicyReader"/>) then decides
    /// what the values mean.
    /// </summary>
    /// <remarks>
    /// Why not a parser of our own in the engine: the language is PowerShell's, and its only faithful reader is PowerShell's
    /// parser (quoting, escapes, here-strings, comments, line continuations), which every host that loads the module already
    /// has; reading it the same way Import-PowerShellDataFile does means an administrator can check a policy with that
    /// cmdlet and get the same values.
    /// </remarks>
    internal static class NpmPolicyFile
    {
        /// <summary>The policy at <paramref name="path"/> (already resolved), or an <see cref="NpmPolicyFileException"/> naming the file and line.</summary>
        public static NpmHardeningPolicy Read(string path)
        {
            if (!System.IO.File.Exists(path))
                throw new NpmPolicyFileException("PolicyFileNotFound", path, 1, "no such file; New-NpmHardeningPolicy writes a starter policy.");
            var ast = Parser.ParseFile(path, out _, out var errors);
            if (errors != null && errors.Length > 0)
                throw new NpmPolicyFileException("PolicyParseError", path, errors[0].Extent.StartLineNumber, "not a valid PowerShell data file: " + errors[0].Message);
            var statements = ast.EndBlock?.Statements;
            if (ast.ParamBlock != null || ast.BeginBlock != null || ast.ProcessBlock != null || ast.DynamicParamBlock != null
                || statements == null || statements.Count != 1 || !(Expression(statements[0]) is HashtableAst root))
            {
                var line = statements != null && statements.Count > 1 ? statements[1].Extent.StartLineNumber : 1;
                throw new NpmPolicyFileException("PolicyNotData", path, line, "a policy file holds one hashtable, @{ … }, and nothing else.");
            }
            return NpmPolicyReader.Read(Convert(root, path), path);
        }

        private static ExpressionAst? Expression(StatementAst statement) =>
            statement is PipelineAst pipeline && pipeline.PipelineElements.Count == 1 && pipeline.PipelineElements[0] is CommandExpressionAst command
                ? command.Expression
                : null;

        private static NpmPolicyValue Convert(ExpressionAst expression, string path)
        {
            var line = expression.Extent.StartLineNumber;
            switch (expression)
            {
                case HashtableAst table:
                    var entries = new List<NpmPolicyEntry>();
                    foreach (var pair in table.KeyValuePairs)
                    {
                        if (!(pair.Item1 is StringConstantExpressionAst key))
                            throw NotConstant(path, pair.Item1.Extent.StartLineNumber, "a key must be a name or a quoted string");
                        var value = Expression(pair.Item2) ?? throw NotConstant(path, pair.Item2.Extent.StartLineNumber, $"the value of {key.Value} is not a constant");
                        entries.Add(new NpmPolicyEntry(key.Value, key.Extent.StartLineNumber, Convert(value, path)));
                    }
                    return NpmPolicyValue.Table(entries, line);
                case ArrayExpressionAst array:
                    var items = new List<NpmPolicyValue>();
                    foreach (var statement in array.SubExpression.Statements)
                    {
                        var item = Expression(statement) ?? throw NotConstant(path, statement.Extent.StartLineNumber, "an array item is not a constant");
                        if (item is ArrayLiteralAst literal) items.AddRange(literal.Elements.Select(e => Convert(e, path)));
                        else items.Add(Convert(item, path));
                    }
                    return NpmPolicyValue.List(items, line);
                case ArrayLiteralAst literalList:
                    return NpmPolicyValue.List(literalList.Elements.Select(e => Convert(e, path)).ToList(), line);
                default:
                    object? constant;
                    try { constant = expression.SafeGetValue(); }
                    catch (InvalidOperationException) { throw NotConstant(path, line, $"'{Shorten(expression.Extent.Text)}' is not a constant"); }
                    if (constant is PSObject ps) constant = ps.BaseObject;
                    if (!(constant == null || constant is string || constant is bool || constant is int || constant is long || constant is double || constant is decimal))
                        throw NotConstant(path, line, $"'{Shorten(expression.Extent.Text)}' is not a string, number or boolean");
                    return NpmPolicyValue.Scalar(constant, line);
            }
        }

        private static string Shorten(string text) => text.Length <= 60 ? text : text.Substring(0, 57) + "...";

        private static NpmPolicyFileException NotConstant(string path, int line, string what) =>
            new NpmPolicyFileException("PolicyNotData", path, line,
                what + ": a policy is read without running anything, so variables, commands and expressions are not allowed.");

        /// <summary>The error record for a policy problem: the file as target, the engine's stable id, a category that fits.</summary>
        public static ErrorRecord ToErrorRecord(NpmPolicyFileException e) =>
            new ErrorRecord(e, e.ErrorId, e.ErrorId == "PolicyFileNotFound" ? ErrorCategory.ObjectNotFound
                : e.ErrorId == "PolicyParseError" || e.ErrorId == "PolicyNotData" ? ErrorCategory.ParserError : ErrorCategory.InvalidData, e.Path);
    }
}
