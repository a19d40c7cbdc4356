using System;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace NpmHardening.Engine.Config
{
    /// <summary>
    /// The host part of a URL as the WHATWG URL standard (Node's <c>new URL()</c>, so npm) serializes it, and the
    /// test that a piece of text is exactly such a serialization. npm builds every nerf-dart key it looks up from
    /// <c>new URL(registry).host</c> and <c>.pathname</c>, so a key whose host or path is not in serialized form
    /// (user info, a fragment, a numeric or shortened IPv4 address, upper case, a port with leading zeros) is a
    /// key npm never matches: its credential is never sent by npm, and must not be sent by us.
    /// </summary>
    internal static class UrlHost
    {
        // WHATWG forbidden domain code points that can appear in ASCII text: the forbidden host code points plus '%'.
        private const string ForbiddenInDomain = "#%/:<>?@[\\]^|";

        /// <summary>
        /// True when <paramref name="authority"/> (<c>host</c> or <c>host:port</c>) is what <c>new URL(s + '//' + authority + '/').host</c>
        /// returns for http or https, i.e. a host npm's nerf dart can hold. <paramref name="host"/> and <paramref name="port"/> are its parts.
        /// </summary>
        public static bool IsSerialized(string authority, out string host, out int? port)
        {
            host = "";
            port = null;
            if (string.IsNullOrEmpty(authority)) return false;
            string portText;
            if (authority[0] == '[')
            {
                int close = authority.IndexOf(']');
                if (close < 0) return false;
                host = authority.Substring(0, close + 1);
                portText = authority.Substring(close + 1);
                if (!IsSerializedIPv6(host)) return false;
            }
            else
            {
                int colon = authority.IndexOf(':');
                host = colon < 0 ? authority : authority.Substring(0, colon);
                portText = colon < 0 ? "" : authority.Substring(colon);
                if (!IsSerializedDomainOrIPv4(host)) return false;
            }
            if (portText.Length == 0) return true;
            // ":port": decimal without leading zeros; an empty port is dropped by the serializer, so ':' alone never appears
            if (portText[0] != ':' || portText.Length < 2 || portText.Length > 6) return false;
            var digits = portText.Substring(1);
            foreach (var c in digits) if (c < '0' || c > '9') return false;
            if (digits.Length > 1 && digits[0] == '0') return false;
            int value = int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
            if (value > 65535) return false;
            port = value;
            return true;
        }

        /// <summary>The WHATWG serialization of an IPv6 address: lower-case hex, the first longest run of two or more zero pieces as "::", no dotted tail.</summary>
        public static string SerializeIPv6(IPAddress address)
        {
            var bytes = address.GetAddressBytes();
            var pieces = new int[8];
            for (int i = 0; i < 8; i++) pieces[i] = (bytes[2 * i] << 8) | bytes[2 * i + 1];
            int bestStart = -1, bestLength = 1;
            for (int i = 0; i < 8;)
            {
                if (pieces[i] != 0) { i++; continue; }
                int j = i;
                while (j < 8 && pieces[j] == 0) j++;
                if (j - i > bestLength) { bestStart = i; bestLength = j - i; }
                i = j;
            }
            var sb = new StringBuilder("[");
            for (int i = 0; i < 8; i++)
            {
                if (i == bestStart)
                {
                    sb.Append(i == 0 ? "::" : ":");
                    i += bestLength - 1;
                    continue;
                }
                sb.Append(pieces[i].ToString("x", CultureInfo.InvariantCulture));
                if (i < 7) sb.Append(':');
            }
            return sb.Append(']').ToString();
        }

        private static bool IsSerializedIPv6(string bracketed)
        {
            var inner = bracketed.Substring(1, bracketed.Length - 2);
            if (inner.Length == 0 || inner.IndexOf('%') >= 0) return false; // zone ids are not URL syntax
            if (!IPAddress.TryParse(inner, out var ip) || ip.AddressFamily != AddressFamily.InterNetworkV6) return false;
            return string.Equals(SerializeIPv6(ip), bracketed, StringComparison.Ordinal);
        }

        private static bool IsSerializedDomainOrIPv4(string host)
        {
            if (host.Length == 0) return false;
            if (EndsInANumber(host)) return IsDottedQuad(host);
            foreach (var c in host)
            {
                if (c <= 0x20 || c >= 0x7F) return false;          // controls, space, DEL, non-ASCII (serialized as punycode)
                if (c >= 'A' && c <= 'Z') return false;             // the serializer lower-cases
                if (ForbiddenInDomain.IndexOf(c) >= 0) return false;
            }
            foreach (var label in host.Split('.'))
            {
                if (!label.StartsWith("xn--", StringComparison.Ordinal)) continue;
                // a punycode label must decode, and encode back to itself (UTS #46 ToASCII of its Unicode form)
                try
                {
                    var idn = new IdnMapping();
                    var unicode = idn.GetUnicode(label);
                    if (!string.Equals(idn.GetAscii(unicode), label, StringComparison.Ordinal)) return false;
                }
                catch (ArgumentException) { return false; }
            }
            return true;
        }

        /// <summary>WHATWG "ends in a number": such a host is parsed as IPv4 (2130706434, 127.1, 0x7f.1, 1.2.3.4.).</summary>
        private static bool EndsInANumber(string host)
        {
            var parts = host.Split('.');
            int last = parts.Length - 1;
            if (parts[last].Length == 0)
            {
                if (parts.Length == 1) return false;
                last--;
            }
            var p = parts[last];
            if (p.Length == 0) return false;
            bool digits = true;
            foreach (var c in p) if (c < '0' || c > '9') { digits = false; break; }
            if (digits) return true;
            if (p.Length >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
            {
                for (int i = 2; i < p.Length; i++) if (!Uri.IsHexDigit(p[i])) return false;
                return true;
            }
            return false;
        }

        /// <summary>Four decimal parts 0-255 without leading zeros: the only form the IPv4 serializer writes.</summary>
        private static bool IsDottedQuad(string host)
        {
            var parts = host.Split('.');
            if (parts.Length != 4) return false;
            foreach (var p in parts)
            {
                if (p.Length == 0 || p.Length > 3) return false;
                foreach (var c in p) if (c < '0' || c > '9') return false;
                if (p.Length > 1 && p[0] == '0') return false;
                if (int.Parse(p, NumberStyles.None, CultureInfo.InvariantCulture) > 255) return false;
            }
            return true;
        }

        /// <summary>
        /// True when <paramref name="path"/> (empty, or starting with '/') is a WHATWG pathname of a special URL, or a
        /// prefix of one that ends at a segment: no character the path serializer percent-encodes, no backslash
        /// (read as '/'), no '.' or '..' segment in any spelling (they are resolved away).
        /// </summary>
        public static bool IsSerializedPath(string path)
        {
            if (path.Length == 0) return true;
            if (path[0] != '/') return false;
            foreach (var c in path)
            {
                if (c <= 0x20 || c >= 0x7F) return false;
                if (c == '"' || c == '#' || c == '<' || c == '>' || c == '?' || c == '`' || c == '{' || c == '}' || c == '\\') return false;
            }
            foreach (var segment in path.Split('/'))
            {
                var s = segment.ToLowerInvariant().Replace("%2e", ".");
                if (s == "." || s == "..") return false;
            }
            return true;
        }
    }
}
