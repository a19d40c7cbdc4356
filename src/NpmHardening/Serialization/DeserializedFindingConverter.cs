using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace NpmHardening.Commands
{
    /// <summary>
    /// Turns the property bag that PowerShell makes of a finding when it crosses a process boundary (<c>Start-Job</c>,
    /// <c>Invoke-Command</c>, <c>Import-Clixml</c>) back into the live type, so <c>Severity</c> is an
    /// <see cref="NpmSeverity"/> again and sorts and compares by rank, not as a word.
    /// </summary>
    /// <remarks>
    /// <para>NpmHardening.types.ps1xml names this converter for each contract type (<see cref="RehydratedTypes"/>) and for
    /// <see cref="RehydrationTarget"/>, the <c>TargetTypeForDeserialization</c> of every <c>Deserialized.NpmHardening.*</c>
    /// name; PowerShell's deserializer then calls <see cref="ConvertFrom(PSObject, Type, IFormatProvider, bool)"/> for
    /// each such object it reads, and this converter creates the live type that the bag's first rehydrated type name
    /// stands for, exactly as if that live type had been the target.</para>
    /// <para>The mapping is generic: every public settable property of the target type is filled from the bag's
    /// property of the same name (enums by name or number, arrays element by element, nested contract types by the
    /// same rules), so a property or a subtype added to the engine needs no change here. The most derived type
    /// named in the bag's type names wins, provided it derives from the requested type.</para>
    /// <para>Data from another machine is not trusted: only public, non-abstract classes with a public parameterless
    /// constructor, in the <c>NpmHardening</c> namespace of the engine assembly, are ever created, and only their
    /// property setters run. Anything else fails the conversion, and PowerShell keeps the property bag.</para>
    /// <para>The bag's properties that the type does not have (<c>PSComputerName</c>, <c>RunspaceId</c> and
    /// <c>PSShowComputerName</c> added by remoting, or a note a user added) are kept as note properties.</para>
    /// </remarks>
    public sealed class DeserializedFindingConverter : PSTypeConverter
    {
        private const string DeserializedPrefix = "Deserialized.";
        private const string ContractNamespace = "NpmHardening";

        private static Type[]? s_rehydratedTypes;

        /// <summary>The types whose bags are rehydrated: every finding type (each subtype of <see cref="NpmFinding"/>) and
        /// the objects they and the summary carry. NpmHardening.types.ps1xml has a <c>Deserialized.</c> entry for each, and
        /// Deserialization.Tests.ps1 fails when the two lists differ or an exported finding type of the engine is missing.
        /// A method, not a static field: its engine types must resolve only once the loader is in place, and PowerShell
        /// creates this converter while it reads the types file, before the module initializer has run.</summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        internal static Type[] RehydratedTypes() => s_rehydratedTypes ??= new[]
        {
            typeof(NpmFinding), typeof(NpmSecurityFinding), typeof(NpmTokenFinding),
            typeof(NpmFindingLocation), typeof(NpmRemediation), typeof(NpmFindingSuppression),
            typeof(NpmSecurityPostureSummary), typeof(NpmComplianceReason),
            typeof(NpmPublishStep), typeof(NpmStagedPackage),
            typeof(NpmTrustFinding), typeof(NpmTrustedPublisher), typeof(NpmOrgPackage), typeof(NpmOrgMember),
            typeof(NpmPackageCollaborator), typeof(NpmPackageAccess),
            typeof(NpmPackageChange), typeof(NpmPackageReview),
            typeof(NpmReleaseFinding),
            typeof(NpmLockfileFinding),
            typeof(NpmLockfileChange), typeof(NpmLockfileChangeFinding), typeof(NpmLockfileReview),
            typeof(NpmReleaseAlert),
        };

        public override bool CanConvertFrom(PSObject sourceValue, Type destinationType)
        {
            if (sourceValue == null || !(sourceValue.BaseObject is PSCustomObject)) return false;
            var requested = Requested(sourceValue, destinationType);
            return IsContractType(requested) && ResolveTarget(sourceValue, requested!) != null;
        }

        public override object ConvertFrom(PSObject sourceValue, Type destinationType, IFormatProvider formatProvider, bool ignoreCase)
        {
            var requested = sourceValue == null ? null : Requested(sourceValue, destinationType);
            if (sourceValue == null || !(sourceValue.BaseObject is PSCustomObject) || !IsContractType(requested))
                throw new InvalidCastException($"Only a property bag can be converted to {destinationType}.");
            var target = ResolveTarget(sourceValue, requested!)
                ?? throw new InvalidCastException($"{destinationType} cannot be created from a property bag.");
            var live = Build(sourceValue, target);

            // Keep what the bag carries beyond the type's own properties (PSComputerName from remoting, …).
            PSObject? result = null;
            foreach (var property in sourceValue.Properties)
            {
                if (target.GetProperty(property.Name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase) != null) continue;
                result ??= PSObject.AsPSObject(live);
                if (result.Properties[property.Name] == null) result.Properties.Add(new PSNoteProperty(property.Name, property.Value));
            }
            return (object?)result ?? live;
        }

        /// <summary>
        /// The value of a bag's property as the live type has it (an enum for Severity, Status, …), for the bags that
        /// were never rehydrated: PowerShell's SSH remoting deserializes with its built-in type table only, so the
        /// objects stay <c>Deserialized.NpmHardening.*</c> bags there. NpmHardening.types.ps1xml adds a code property per
        /// enum-typed property to those names (<see cref="DeserializedEnumProperty"/>) that calls this with the bag. The raw
        /// value when it cannot be converted (a name the enum does not have), so nothing is invented.
        /// </summary>
        public static object? ReadAdapted(PSObject instance, string propertyName)
        {
            if (instance == null || propertyName == null) return null;
            // PSAdapted holds the bag's own properties: reading through the instance would find the code property again.
            var raw = (instance.Members["PSAdapted"] as PSMemberSet)?.Properties[propertyName]?.Value;
            if (raw == null) return null;
            var type = ResolveTarget(instance, typeof(object));
            var property = type?.GetProperty(propertyName, BindingFlags.Public | BindingFlags.Instance);
            if (property == null) return raw;
            try { return ConvertValue(raw, property.PropertyType, propertyName); }
            catch (InvalidCastException) { return raw; }
        }

        public override bool CanConvertFrom(object sourceValue, Type destinationType) =>
            sourceValue is PSObject bag && CanConvertFrom(bag, destinationType);

        public override object ConvertFrom(object sourceValue, Type destinationType, IFormatProvider formatProvider, bool ignoreCase) =>
            sourceValue is PSObject bag
                ? ConvertFrom(bag, destinationType, formatProvider, ignoreCase)
                : throw new InvalidCastException($"Only a property bag can be converted to {destinationType}.");

        public override bool CanConvertTo(object sourceValue, Type destinationType) => false;

        public override object ConvertTo(object sourceValue, Type destinationType, IFormatProvider formatProvider, bool ignoreCase) =>
            throw new InvalidCastException($"{sourceValue?.GetType()} is converted by PowerShell's own rules.");

        /// <summary>
        /// The type a conversion asks for: <paramref name="destinationType"/> itself, except for <see cref="RehydrationTarget"/>,
        /// which stands for the live type of the bag's first type name that has deserialization type data
        /// (<c>Deserialized.</c> + one of <see cref="RehydratedTypes"/>): the name PowerShell's type table found the target
        /// on. Null when the bag names none.
        /// </summary>
        private static Type? Requested(PSObject bag, Type destinationType)
        {
            if (destinationType != typeof(RehydrationTarget)) return destinationType;
            foreach (var typeName in bag.TypeNames)
            {
                if (!typeName.StartsWith(DeserializedPrefix, StringComparison.Ordinal)) continue;
                var name = typeName.Substring(DeserializedPrefix.Length);
                foreach (var type in RehydratedTypes())
                {
                    if (string.Equals(type.FullName, name, StringComparison.Ordinal)) return type;
                }
            }
            return null;
        }

        /// <summary>A type this converter may create: a public concrete class of the NpmHardening namespace, in the engine.</summary>
        private static bool IsContractType(Type? type) =>
            type != null && type.IsClass && type.IsPublic && !type.IsAbstract && type.Namespace == ContractNamespace
            && type.Assembly == typeof(NpmFinding).Assembly && type.GetConstructor(Type.EmptyTypes) != null;

        /// <summary>
        /// The most derived contract type the bag names (its first type name, without "Deserialized.") that is a
        /// <paramref name="requested"/>; the requested type itself when the bag names none (ConvertFrom-Json output).
        /// </summary>
        private static Type? ResolveTarget(PSObject bag, Type requested)
        {
            foreach (var typeName in bag.TypeNames)
            {
                var name = typeName.StartsWith(DeserializedPrefix, StringComparison.Ordinal) ? typeName.Substring(DeserializedPrefix.Length) : typeName;
                var type = typeof(NpmFinding).Assembly.GetType(name, throwOnError: false);
                if (type != null && requested.IsAssignableFrom(type) && IsContractType(type)) return type;
            }
            return IsContractType(requested) ? requested : null;
        }

        private static object Build(PSObject bag, Type type)
        {
            var instance = Activator.CreateInstance(type)!;
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (property.GetSetMethod() == null || property.GetIndexParameters().Length > 0) continue;
                var source = bag.Properties[property.Name];
                if (source == null) continue;
                property.SetValue(instance, ConvertValue(source.Value, property.PropertyType, property.Name));
            }
            return instance;
        }

        private static object? ConvertValue(object? value, Type targetType, string propertyName)
        {
            // A rehydrated nested object arrives wrapped; a bag stays a PSObject (its properties are what we read).
            if (value is PSObject wrapped && !(wrapped.BaseObject is PSCustomObject)) value = wrapped.BaseObject;
            var nullable = Nullable.GetUnderlyingType(targetType);
            var type = nullable ?? targetType;
            if (value == null)
            {
                if (type.IsValueType && nullable == null) throw new InvalidCastException($"{propertyName} cannot be null.");
                return null;
            }
            if (type.IsInstanceOfType(value)) return value;
            if (type.IsEnum) return ToEnum(value, type, propertyName);
            if (type.IsArray) return ToArray(value, type.GetElementType()!, propertyName);
            if (type == typeof(NpmNameList))
            {
                // a list when serialized deep enough; its text form ("a; b") when the serializer ran out of depth
                var names = value is string joined
                    ? joined.Split(new[] { "; " }, StringSplitOptions.RemoveEmptyEntries)
                    : (string[])ToArray(value, typeof(string), propertyName);
                return new NpmNameList(names);
            }
            if (type == typeof(DateTimeOffset) && value is PSObject offsetBag) return ToDateTimeOffset(offsetBag, propertyName);
            if (value is PSObject nested)
            {
                var nestedType = ResolveTarget(nested, type);
                if (!IsContractType(type) || nestedType == null) throw new InvalidCastException($"{propertyName}: a property bag cannot become {type}.");
                return Build(nested, nestedType);
            }
            if (IsContractType(type)) throw new InvalidCastException($"{propertyName}: '{value}' is text, not the structure of {type} (serialized too shallow).");
            return LanguagePrimitives.ConvertTo(value, type, CultureInfo.InvariantCulture);
        }

        /// <summary>An enum from its name (Severity "High") or its number; values the enum does not define are refused.</summary>
        private static object ToEnum(object value, Type enumType, string propertyName)
        {
            object result;
            if (value is string text)
            {
                try { result = Enum.Parse(enumType, text.Trim(), ignoreCase: true); }
                catch (ArgumentException e) { throw new InvalidCastException($"{propertyName}: '{text}' is not a {enumType.Name}.", e); }
            }
            else if (value is IConvertible && value.GetType().IsPrimitive)
            {
                result = Enum.ToObject(enumType, Convert.ToInt64(value, CultureInfo.InvariantCulture));
            }
            else throw new InvalidCastException($"{propertyName}: {value.GetType()} is not a {enumType.Name}.");
            if (!enumType.IsDefined(typeof(FlagsAttribute), false) && !Enum.IsDefined(enumType, result))
                throw new InvalidCastException($"{propertyName}: {value} is not a {enumType.Name}.");
            return result;
        }

        private static Array ToArray(object value, Type elementType, string propertyName)
        {
            var items = new List<object?>();
            if (value is IEnumerable sequence && !(value is string))
            {
                foreach (var item in sequence) items.Add(ConvertValue(item, elementType, propertyName));
            }
            else items.Add(ConvertValue(value, elementType, propertyName));
            var array = Array.CreateInstance(elementType, items.Count);
            for (int i = 0; i < items.Count; i++) array.SetValue(items[i], i);
            return array;
        }

        /// <summary>CLIXML has no DateTimeOffset: it arrives as a bag holding DateTime (local to the sender's offset) and Offset.</summary>
        private static DateTimeOffset ToDateTimeOffset(PSObject bag, string propertyName)
        {
            if (bag.Properties["DateTime"]?.Value is DateTime local && bag.Properties["Offset"]?.Value is TimeSpan offset)
                return new DateTimeOffset(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), offset);
            throw new InvalidCastException($"{propertyName}: the bag holds no DateTime and Offset.");
        }
    }
}
