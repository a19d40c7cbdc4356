using System.Management.Automation;

namespace NpmHardening.Commands
{
    /// <summary>
    /// The getters of the code properties that NpmHardening.types.ps1xml adds to the <c>Deserialized.NpmHardening.*</c>
    /// type names, one per name of an enum-typed property of the contract types: on a bag that was never rehydrated (SSH
    /// remoting), <c>Severity</c>, <c>Status</c>, … read as the live enums through
    /// <see cref="DeserializedFindingConverter.ReadAdapted"/>.
    /// </summary>
    /// <remarks>
    /// Code properties, not script properties: a script property's getter is a script block that PowerShell parses and
    /// compiles when it reads the file, in every fresh process, while a code property names a compiled method.
    /// PowerShell calls a code property's getter with the object alone, so there is one method per property name.
    /// Deserialization.Tests.ps1 fails when an enum-typed property of a rehydrated type has no code property.
    /// </remarks>
    public static class DeserializedEnumProperty
    {
        public static object? Severity(PSObject instance) => DeserializedFindingConverter.ReadAdapted(instance, nameof(Severity));

        public static object? Status(PSObject instance) => DeserializedFindingConverter.ReadAdapted(instance, nameof(Status));

        public static object? Kind(PSObject instance) => DeserializedFindingConverter.ReadAdapted(instance, nameof(Kind));

        public static object? OnlineState(PSObject instance) => DeserializedFindingConverter.ReadAdapted(instance, nameof(OnlineState));

        public static object? OriginalStatus(PSObject instance) => DeserializedFindingConverter.ReadAdapted(instance, nameof(OriginalStatus));

        public static object? Platform(PSObject instance) => DeserializedFindingConverter.ReadAdapted(instance, nameof(Platform));

        public static object? Method(PSObject instance) => DeserializedFindingConverter.ReadAdapted(instance, nameof(Method));

        public static object? Registry(PSObject instance) => DeserializedFindingConverter.ReadAdapted(instance, nameof(Registry));

        public static object? Auth(PSObject instance) => DeserializedFindingConverter.ReadAdapted(instance, nameof(Auth));

        public static object? TokenExposure(PSObject instance) => DeserializedFindingConverter.ReadAdapted(instance, nameof(TokenExposure));

        public static object? Gate(PSObject instance) => DeserializedFindingConverter.ReadAdapted(instance, nameof(Gate));

        public static object? Change(PSObject instance) => DeserializedFindingConverter.ReadAdapted(instance, nameof(Change));

        public static object? Risk(PSObject instance) => DeserializedFindingConverter.ReadAdapted(instance, nameof(Risk));

        public static object? ReleasePath(PSObject instance) => DeserializedFindingConverter.ReadAdapted(instance, nameof(ReleasePath));

        public static object? RegistrySignature(PSObject instance) => DeserializedFindingConverter.ReadAdapted(instance, nameof(RegistrySignature));
    }
}
