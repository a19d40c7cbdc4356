using System;
using System.Collections.Generic;

namespace NpmHardening.Engine.Policy
{
    public enum NpmPolicyValueKind { Scalar, Table, List }

    /// <summary>
    /// One value of a policy file as the reader of the file's language hands it over: a constant (string, bool,
    /// number, null), a table (<c>@{ }</c>) or a list (<c>@( )</c>, <c>a, b</c>), each with the line it starts on. The
    /// engine validates this tree (<see cref="NpmPolicyReader"/>) without knowing the language: the cmdlet layer
    /// builds it from PowerShell's parser, tests build it by hand.
    /// </summary>
    public sealed class NpmPolicyValue
    {
        private NpmPolicyValue(NpmPolicyValueKind kind, object? value, IReadOnlyList<NpmPolicyEntry>? entries, IReadOnlyList<NpmPolicyValue>? items, int line)
        {
            Kind = kind; Value = value; Entries = entries ?? Array.Empty<NpmPolicyEntry>(); Items = items ?? Array.Empty<NpmPolicyValue>(); Line = line;
        }

        public NpmPolicyValueKind Kind { get; }
        /// <summary>For a scalar: the string, bool, number or null.</summary>
        public object? Value { get; }
        /// <summary>For a table: its keys and values in file order.</summary>
        public IReadOnlyList<NpmPolicyEntry> Entries { get; }
        /// <summary>For a list: its items.</summary>
        public IReadOnlyList<NpmPolicyValue> Items { get; }
        /// <summary>1-based line where the value starts.</summary>
        public int Line { get; }

        public static NpmPolicyValue Scalar(object? value, int line) => new NpmPolicyValue(NpmPolicyValueKind.Scalar, value, null, null, line);
        public static NpmPolicyValue Table(IReadOnlyList<NpmPolicyEntry> entries, int line) => new NpmPolicyValue(NpmPolicyValueKind.Table, null, entries, null, line);
        public static NpmPolicyValue List(IReadOnlyList<NpmPolicyValue> items, int line) => new NpmPolicyValue(NpmPolicyValueKind.List, null, null, items, line);

        public override string ToString() => Kind == NpmPolicyValueKind.Scalar ? Convert.ToString(Value, System.Globalization.CultureInfo.InvariantCulture) ?? "$null" : Kind.ToString();
    }
}
