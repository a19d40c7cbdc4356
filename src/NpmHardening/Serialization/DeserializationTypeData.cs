using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Reflection;
using System.Runtime.CompilerServices;
using NpmHardening.Commands;

namespace NpmHardening.Serialization
{
    /// <summary>
    /// Teaches the importing session to rehydrate the module's objects: for every finding type (and the nested and
    /// summary types they carry) the <c>Deserialized.NpmHardening.&lt;Type&gt;</c> name gets
    /// <c>TargetTypeForDeserialization</c> = the live type, the live type gets <see cref="DeserializedFindingConverter"/>
    /// as its type converter and a <c>SerializationDepth</c> of 3.
    /// </summary>
    /// <remarks>
    /// <para>PowerShell rehydrates with the receiving session's type table after Import-Clixml, Start-Job and WSMan
    /// remoting, but SSH remoting (Invoke-Command -HostName, New-PSSession -HostName) deserializes with the built-in
    /// type files only (TypeTable.LoadDefaultTypeFiles), so its objects stay bags. For those, each enum-typed property
    /// also gets a script property of the same name on the Deserialized name: extended members come before a bag's
    /// own, so <c>Severity</c> reads as the enum and sorts and compares by rank there too
    /// (<see cref="DeserializedFindingConverter.ReadAdapted"/>).</para>
    /// <para>This is not in a types.ps1xml file because PowerShell reads <c>TypesToProcess</c> before it loads the root
    /// module, and resolves <c>TargetTypeForDeserialization</c> to a type right then; the engine is not loaded yet
    /// (it loads through <see cref="Loading.DependencyLoader"/>, in an isolated load context on PowerShell 7), so
    /// the file fails to load. Here the types are handed over as <see cref="Type"/> objects: no name resolution.</para>
    /// <para>SerializationDepth: jobs and remoting serialize one level below the object by default, which would turn
    /// Location, Remediation (with its WebSteps array) and Suppression into their ToString() text.</para>
    /// </remarks>
    internal static class DeserializationTypeData
    {
        internal const int SerializationDepth = 3;

        /// <summary>The contract types: every finding type (each subtype of <see cref="NpmFinding"/>, found by
        /// reflection so a new audit's finding needs no entry) and the objects they and the summary carry.</summary>
        internal static IReadOnlyList<Type> ContractTypes()
        {
            var types = new List<Type>
            {
                typeof(NpmFinding), typeof(NpmSecurityFinding), typeof(NpmTokenFinding),
                typeof(NpmFindingLocation), typeof(NpmRemediation), typeof(NpmFindingSuppression),
                typeof(NpmSecurityPostureSummary), typeof(NpmComplianceReason),
            };
            foreach (var type in typeof(NpmFinding).Assembly.GetExportedTypes())
            {
                if (typeof(NpmFinding).IsAssignableFrom(type) && !types.Contains(type)) types.Add(type);
            }
            return types;
        }

        /// <summary>Adds the type data to the importing session (idempotent: -Force replaces it). Not inlined into the
        /// module initializer: this method's code names engine types, which resolve only once the loader is in place.</summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        public static void Register()
        {
            var data = new List<TypeData>();
            foreach (var type in ContractTypes())
            {
                data.Add(new TypeData(type) { TypeConverter = typeof(DeserializedFindingConverter), SerializationDepth = SerializationDepth });
                var deserialized = new TypeData("Deserialized." + type.FullName) { TargetTypeForDeserialization = type };
                foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
                {
                    var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
                    if (!propertyType.IsEnum || property.GetSetMethod() == null) continue;
                    deserialized.Members[property.Name] = new ScriptPropertyData(property.Name, ScriptBlock.Create(
                        $"[{typeof(DeserializedFindingConverter).FullName}]::{nameof(DeserializedFindingConverter.ReadAdapted)}($this, '{property.Name}')"));
                }
                data.Add(deserialized);
            }
            try
            {
                // The importing runspace (Import-Module runs OnImport on its pipeline thread). A session whose type
                // table is shared (a runspace pool built from one InitialSessionState) refuses updates: the objects
                // then stay deserialized there, as before.
                if (Runspace.DefaultRunspace == null) return;
                using (var powerShell = PowerShell.Create(RunspaceMode.CurrentRunspace))
                {
                    powerShell.AddCommand("Microsoft.PowerShell.Utility\\Update-TypeData")
                        .AddParameter("TypeData", data.ToArray())
                        .AddParameter("Force");
                    powerShell.Invoke();
                }
            }
            catch (Exception)
            {
                // Rehydration is a convenience of the receiving session; the module works without it.
            }
        }
    }
}
