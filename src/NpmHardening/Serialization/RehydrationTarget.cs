namespace NpmHardening.Commands
{
    /// <summary>
    /// The <c>TargetTypeForDeserialization</c> of every <c>Deserialized.NpmHardening.*</c> name in
    /// NpmHardening.types.ps1xml: PowerShell converts such a bag to this type, and <see cref="DeserializedFindingConverter"/>
    /// (this type's converter in the same file) returns the live object the bag's own type names call for. Never
    /// instantiated.
    /// </summary>
    /// <remarks>
    /// The file cannot name the live types themselves: PowerShell resolves a types file's type names while it reads it,
    /// before the module initializer has set up the engine's load context, so the engine's types do not resolve yet. This
    /// type lives in NpmHardening.dll, which the manifest loads first (<c>RequiredAssemblies</c>). Before issue 10 F the
    /// module registered the same data at every import with a nested <c>Update-TypeData</c>, which cost a pipeline, the
    /// cmdlet's parameter binding and about ten JIT-compiled methods in every fresh process.
    /// </remarks>
    public sealed class RehydrationTarget
    {
        private RehydrationTarget()
        {
        }
    }
}
