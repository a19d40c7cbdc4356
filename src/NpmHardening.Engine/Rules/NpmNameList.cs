using System.Collections.Generic;
using System.Collections.ObjectModel;

namespace NpmHardening
{
    /// <summary>
    /// A list of names (contexts, rule ids) that scripts filter and count like an array, and that writes itself as
    /// one text when a report needs a cell: <c>Export-Csv</c> and string conversion call <see cref="ToString"/>,
    /// which joins the names with "; " instead of printing the type name (System.String[]).
    /// </summary>
    public sealed class NpmNameList : ReadOnlyCollection<string>
    {
        public NpmNameList(IList<string> names) : base(names) { }

        public static NpmNameList Empty { get; } = new NpmNameList(new string[0]);

        public override string ToString() => string.Join("; ", this);
    }
}
