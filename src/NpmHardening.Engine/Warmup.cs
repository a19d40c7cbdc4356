using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Rules;

namespace NpmHardening.Engine
{
    /// <summary>
    /// Builds, ahead of the first call, what every first call of a fresh process needs and is slow to build: the
    /// embedded catalogs (every npm config definition of every sampled npm release, every posture rule) and the
    /// regular expressions that the engine's types hold in static fields (constructing one parses and analyses the
    /// pattern). The PowerShell module runs <see cref="Prepare"/> on a thread-pool thread while PowerShell finishes
    /// importing it. Everything here is pure: built from the engine's own resources and patterns; no file,
    /// environment variable or network is read.
    /// </summary>
    public static class Warmup
    {
        /// <summary>Builds the catalogs, then runs the type initializers that construct regular expressions.
        /// Safe to call more than once and from any thread; the catalogs are built once (a caller that needs one
        /// meanwhile waits for it), and a failure is left for the first real use to report.</summary>
        public static void Prepare()
        {
            try
            {
                GC.KeepAlive(NpmConfigCatalog.Default);
                GC.KeepAlive(RuleCatalog.Default);
            }
            catch (Exception)
            {
                // Lazy keeps the exception: the first caller that needs the catalog reports it.
            }
            foreach (var type in RegexHolders())
            {
                try { RuntimeHelpers.RunClassConstructor(type.TypeHandle); }
                catch (Exception) { /* reported by the first real use of the type */ }
            }
        }

        /// <summary>The engine's types that hold a <see cref="Regex"/> in a static field (found by reflection, so a
        /// new one needs no list to be kept up to date).</summary>
        internal static IReadOnlyList<Type> RegexHolders()
        {
            Type?[] types;
            try { types = typeof(Warmup).Assembly.GetTypes(); }
            catch (ReflectionTypeLoadException e) { types = e.Types; }
            const BindingFlags statics = BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
            return types
                .Where(t => t != null && !t.ContainsGenericParameters && t.GetFields(statics).Any(f => f.FieldType == typeof(Regex)))
                .Select(t => t!)
                .ToList();
        }
    }
}
