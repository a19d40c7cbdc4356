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

        /// <summary>The contract types: every finding type (each subtype of <see cref="NpmFinding"/>) and the objects they
        /// and the summary carry.</summary>
        /// <remarks>A list, not a search of the engine's exported types: <c>GetExportedTypes</c> loads every one of the
        /// engine's ~180 public types and took 2–6 ms of each import (fresh ReadyToRun PowerShell, measured under load).
        /// Deserialization.Tests.ps1 fails when an exported finding type of the engine is missing here.</remarks>
        internal static Type[] ContractTypes() => new[]
        {
            typeof(NpmFinding), typeof(NpmSecurityFinding), typeof(NpmTokenFinding),
            typeof(NpmFindingLocation), typeof(NpmRemediation), typeof(NpmFindingSuppression),
            typeof(NpmSecurityPostureSummary), typeof(NpmComplianceReason),
            typeof(NpmPublishStep), typeof(NpmStagedPackage),
            typeof(NpmTrustFinding), typeof(NpmTrustedPublisher), typeof(NpmOrgPackage), typeof(NpmOrgMember),
            typeof(NpmPackageCollaborator), typeof(NpmPackageAccess),
            typeof(NpmPackageChange), typeof(NpmPackageReview),
        };

        /// <summary>
        /// Update-TypeData as a command: its cmdlet class bound directly where it can be found, because calling it by
        /// name imports the Microsoft.PowerShell.Utility module first (about 300 ms of a fresh session's import,
        /// measured, against about 20 ms for the update itself); by name where the class is not at hand.
        /// </summary>
        private static PowerShell AddUpdateTypeData(PowerShell powerShell)
        {
            Type? cmdlet = null;
            try { cmdlet = Type.GetType("Microsoft.PowerShell.Commands.UpdateTypeDataCommand, Microsoft.PowerShell.Commands.Utility", throwOnError: false); }
            catch (Exception) { /* by name below */ }
            return cmdlet != null && typeof(PSCmdlet).IsAssignableFrom(cmdlet)
                ? powerShell.AddCommand(new CmdletInfo("Update-TypeData", cmdlet))
                : powerShell.AddCommand("Microsoft.PowerShell.Utility\\Update-TypeData");
        }

        /// <summary>Adds the type data to the importing session (idempotent: -Force replaces it). Not inlined into the
        /// module initializer: this method's code names engine types, which resolve only once the loader is in place.</summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        public static void Register()
        {
            try
            {
                // The importing runspace (Import-Module runs OnImport on its pipeline thread). A session whose type
                // table is shared (a runspace pool built from one InitialSessionState) refuses updates: the objects
                // then stay deserialized there, as before.
                if (Runspace.DefaultRunspace == null) return;
                using (var powerShell = PowerShell.Create(RunspaceMode.CurrentRunspace))
                {
                    AddUpdateTypeData(powerShell)
                        .AddParameter("TypeData", BuildTypeData().ToArray())
                        .AddParameter("Force");
                    powerShell.Invoke();
                }
            }
            catch (Exception)
            {
                // Rehydration is a convenience of the receiving session; the module works without it.
            }
        }

        internal static List<TypeData> BuildTypeData()
        {
            var data = new List<TypeData>();
            // One getter per property name (Severity is on every finding type): each ScriptBlock.Create parses its text.
            var getters = new Dictionary<string, ScriptBlock>(StringComparer.Ordinal);
            foreach (var type in ContractTypes())
            {
                data.Add(new TypeData(type) { TypeConverter = typeof(DeserializedFindingConverter), SerializationDepth = SerializationDepth });
                var deserialized = new TypeData("Deserialized." + type.FullName) { TargetTypeForDeserialization = type };
                foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
                {
                    var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
                    if (!propertyType.IsEnum || property.GetSetMethod() == null) continue;
                    if (!getters.TryGetValue(property.Name, out var getter))
                    {
                        getter = ScriptBlock.Create(
                            $"[{typeof(DeserializedFindingConverter).FullName}]::{nameof(DeserializedFindingConverter.ReadAdapted)}($this, '{property.Name}')");
                        getters.Add(property.Name, getter);
                    }
                    deserialized.Members[property.Name] = new ScriptPropertyData(property.Name, getter);
                }
                data.Add(deserialized);
            }
            return data;
        }
    }
}
