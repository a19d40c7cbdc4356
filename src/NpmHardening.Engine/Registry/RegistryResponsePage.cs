using System.Collections.Generic;

namespace NpmHardening.Engine.Registry
{
    /// <summary>One page of a page-numbered registry list: its items and the total the registry announced (null: none).</summary>
    public sealed class RegistryResponsePage<T>
    {
        public RegistryResponsePage(IReadOnlyList<T> items, double? total)
        {
            Items = items; Total = total;
        }

        public IReadOnlyList<T> Items { get; }
        public double? Total { get; }
    }
}
