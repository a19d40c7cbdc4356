using System;
using System.Linq;
using System.Text.RegularExpressions;
using NpmHardening.Engine.Config;

namespace NpmHardening.Engine.Remediation
{
    /// <summary>
    /// Writes a value that is, on purpose, a reference to an environment variable (<c>${NPM_TOKEN}</c>), which
    /// <see cref="NpmrcValueWriter"/> deliberately escapes to keep literal strings literal.
    /// </summary>
    /// <remarks>
    /// npm expands references with @npmcli/config/lib/env-replace.js, <c>/(?&lt;!\\)(\\*)\$\{([^${}?]+)(\?)?\}/g</c>, after
    /// ini has unquoted the value. Names are limited to <c>^[A-Za-z_][A-Za-z0-9_]*$</c>: such a name holds none of the
    /// characters env-replace stops at (<c>$ { } ?</c>), none that ini treats specially bare (<c>; # = [ " '</c>,
    /// backslash, whitespace), and is a name every shell and CI system can set. The bare text is therefore exactly
    /// <c>${NAME}</c>, with no quoting or escaping; it is read back through the ini port to prove it.
    /// </remarks>
    public static class EnvironmentReferenceWriter
    {
        private static readonly Regex ValidName = new Regex("^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant);

        /// <summary>Null when <paramref name="name"/> can be referred to, else why not.</summary>
        public static string? CheckName(string? name)
        {
            if (string.IsNullOrEmpty(name)) return "The variable name is empty.";
            if (!ValidName.IsMatch(name!))
                return $"'{name}' is not a usable environment variable name: use letters, digits and '_', not starting with a digit (e.g. NPM_TOKEN).";
            return null;
        }

        /// <summary>The value text (right of '=') that npm reads as a reference to <paramref name="name"/>.</summary>
        /// <exception cref="ArgumentException">The name is not usable.</exception>
        public static string ValueText(string name)
        {
            var error = CheckName(name);
            if (error != null) throw new ArgumentException(error, nameof(name));
            var text = "${" + name + "}";
            // ini must hand env-replace the text unchanged, and env-replace must see exactly one reference to the name
            if (!(IniDecoder.Unsafe(text) is string read) || read != text ||
                EnvExpansion.References(read).Select(r => r.Name).SingleOrDefault() != name)
                throw new InvalidOperationException($"Internal error: {text} would not read back as a reference to {name}.");
            return text;
        }
    }
}
