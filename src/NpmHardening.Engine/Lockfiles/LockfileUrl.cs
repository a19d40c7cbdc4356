using System;

namespace NpmHardening.Engine.Lockfiles
{
    /// <summary>
    /// The parts of a lockfile source a rule needs: scheme, host (with a non-default port) and the rest. Not
    /// System.Uri: a lockfile holds git specs (<c>github:o/r#sha</c>, <c>git+ssh://git@host:o/r.git</c>) and
    /// relative link targets that Uri rejects or rewrites; this splits them the way npm's URL handling sees them.
    /// </summary>
    internal readonly struct LockfileUrl
    {
        private LockfileUrl(string scheme, string? host, string afterHost)
        {
            Scheme = scheme;
            Host = host;
            AfterHost = afterHost;
        }

        /// <summary>Lower case, without the colon (<c>https</c>, <c>git+ssh</c>, <c>github</c>, <c>file</c>).</summary>
        public string Scheme { get; }
        /// <summary>Lower-case host with its port when not the scheme's default; null when the source has no authority (<c>file:../x</c>, <c>github:o/r</c>).</summary>
        public string? Host { get; }
        /// <summary>Path, query and fragment after the authority (or after the scheme when there is none).</summary>
        public string AfterHost { get; }

        /// <summary>The scheme and authority as in a URL's origin (<c>https://registry.npmjs.org</c>); null without a host.</summary>
        public string? Origin => Host != null ? Scheme + "://" + Host : null;

        /// <summary>Splits a source with a scheme; false for a relative path, a Windows drive path or an empty string.</summary>
        public static bool TryParse(string? text, out LockfileUrl url)
        {
            url = default;
            if (string.IsNullOrEmpty(text)) return false;
            int colon = text!.IndexOf(':');
            // one letter before the colon is a Windows drive (C:\x), not a scheme
            if (colon < 2 || !IsAsciiLetter(text[0])) return false;
            for (int i = 1; i < colon; i++)
            {
                char c = text[i];
                if (!IsAsciiLetter(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.') return false;
            }
            string scheme = text.Substring(0, colon).ToLowerInvariant();
            string rest = text.Substring(colon + 1);
            if (!rest.StartsWith("//", StringComparison.Ordinal))
            {
                url = new LockfileUrl(scheme, null, rest);
                return true;
            }
            int end = rest.IndexOfAny(AuthorityEnd, 2);
            if (end < 0) end = rest.Length;
            string authority = rest.Substring(2, end - 2);
            int at = authority.LastIndexOf('@');
            if (at >= 0) authority = authority.Substring(at + 1);
            authority = authority.ToLowerInvariant();
            if ((scheme == "https" && authority.EndsWith(":443", StringComparison.Ordinal)) ||
                (scheme == "http" && authority.EndsWith(":80", StringComparison.Ordinal)))
                authority = authority.Substring(0, authority.LastIndexOf(':'));
            url = new LockfileUrl(scheme, authority.Length == 0 ? null : authority, rest.Substring(end));
            return true;
        }

        private static readonly char[] AuthorityEnd = { '/', '?', '#', '\\' };

        private static bool IsAsciiLetter(char c) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

        /// <summary>
        /// A source as findings show it: any user name or password before the host becomes <c>***</c> and a query
        /// string <c>?***</c>, because a lockfile written behind an authenticating proxy can carry a token there.
        /// </summary>
        public static string? Redact(string? text)
        {
            if (text == null) return null;
            int scheme = text.IndexOf("://", StringComparison.Ordinal);
            string result = text;
            if (scheme > 0)
            {
                int start = scheme + 3;
                int end = result.IndexOfAny(AuthorityEnd, start);
                if (end < 0) end = result.Length;
                int at = result.LastIndexOf('@', end - 1, end - start);
                if (at >= start) result = result.Substring(0, start) + "***" + result.Substring(at);
            }
            int query = result.IndexOf('?');
            if (query >= 0)
            {
                int hash = result.IndexOf('#', query);
                result = result.Substring(0, query) + "?***" + (hash >= 0 ? result.Substring(hash) : "");
            }
            return result;
        }
    }
}
