using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace NpmHardening
{
    // In the NpmHardening namespace because NpmTokenFinding.Kind shows it to users.
    /// <summary>What kind of secret a config value is.</summary>
    public enum NpmCredentialKind
    {
        None,
        /// <summary><c>npm_</c> + 30 random base62 characters + a 6-character base62 CRC32 checksum.</summary>
        GranularToken,
        /// <summary>The pre-2021 UUID token format.</summary>
        LegacyUuidToken,
        /// <summary>Any other bearer token value (<c>_authToken</c> that matches no known format).</summary>
        OpaqueToken,
        /// <summary><c>_auth</c>: base64 of user:password.</summary>
        BasicAuth,
        /// <summary><c>_password</c>: base64 of the password.</summary>
        Password,
        /// <summary>A value that only refers to an environment variable (<c>${NPM_TOKEN}</c>): the good form.</summary>
        EnvironmentReference,
        /// <summary>A URL with user:password (proxy, registry).</summary>
        UrlWithPassword,
        /// <summary>certfile/keyfile: a path to client TLS material.</summary>
        ClientCertificatePath,
    }
}

namespace NpmHardening.Engine.Credentials
{
    /// <summary>
    /// Recognises npm credentials and turns them into things that are safe to show: a redacted form that
    /// keeps the first and last two characters of the secret and a fingerprint (first 12 hex digits of
    /// SHA-256) that lets users see the same token in several places without seeing the token.
    /// </summary>
    public static class NpmCredential
    {
        private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        private static readonly Regex GranularShape = new Regex("^npm_[0-9A-Za-z]{36}$", RegexOptions.CultureInvariant);
        private static readonly Regex UuidShape = new Regex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", RegexOptions.CultureInvariant);
        private static readonly Regex OnlyReferences = new Regex(@"^(?:\$\{[^${}?]+\??\})+$", RegexOptions.CultureInvariant);

        /// <summary>True for keys whose values npm itself treats as secret (config.js isProtected, and _auth-like keys).</summary>
        public static bool IsSecretKey(string key)
        {
            var name = key;
            if (NpmHardening.Engine.Config.NerfDart.TrySplitKey(key, out _, out var scoped)) name = scoped;
            else if (key.IndexOf(':') > 0 && key[0] != '@') name = key.Substring(key.LastIndexOf(':') + 1);
            if (name.StartsWith("_", StringComparison.Ordinal)) return true;
            switch (name.ToLowerInvariant())
            {
                case "auth": case "authtoken": case "password": case "_password": case "certfile": case "keyfile": case "cert": case "key":
                    return true;
                default:
                    return false;
            }
        }

        private static readonly Regex TokenAnywhere = new Regex(@"npm_[0-9A-Za-z]{36}", RegexOptions.CultureInvariant);

        /// <summary>Every substring shaped like a granular npm token (comments, binary files, variable values).</summary>
        public static IEnumerable<string> FindTokenShapes(string text)
        {
            foreach (Match m in TokenAnywhere.Matches(text))
            {
                // npm_ + 36 inside a longer run of base62 characters is not a token by itself
                int end = m.Index + m.Length;
                bool before = m.Index > 0 && IsBase62(text[m.Index - 1]);
                bool after = end < text.Length && IsBase62(text[end]);
                if (!before && !after) yield return m.Value;
            }
        }

        private static readonly Regex UuidAnywhere = new Regex("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", RegexOptions.CultureInvariant);

        /// <summary>
        /// A text with every npm-token-shaped and UUID-shaped substring redacted: for messages that quote a file's
        /// keys or values, where a malformed line can carry a secret that no key name marks as one.
        /// </summary>
        public static string RedactShapes(string text)
        {
            if (string.IsNullOrEmpty(text)) return text;
            var result = TokenAnywhere.Replace(text, m => Redact(m.Value));
            return UuidAnywhere.Replace(result, m => Redact(m.Value));
        }

        /// <summary>Token shapes and URL passwords redacted from a message that quotes a file's keys or values.</summary>
        public static string RedactText(string text)
        {
            var t = RedactShapes(text);
            return t.IndexOf('@') < 0 ? t : UrlPasswordFinder.Replace(t, m => m.Prefix(t) + "***@", "'\"");
        }

        /// <summary>Names that, followed by a separator and more text inside a key, mean the text is a value that lost its '='.</summary>
        private static readonly string[] CredentialNames = { "_authtoken", "authtoken", "_password", "password", "_auth", "token", "secret" };

        /// <summary>
        /// A key, section name or free-text value as it may be shown. A malformed line makes its whole text the key
        /// (<c>//host/:_password hunter2</c>, <c>[_authToken=…]</c>) and a value can quote another line, so besides token
        /// shapes this hides URL passwords (<c>scheme://user:pass@</c>, <c>//user:pass@</c>) and whatever follows a
        /// credential name and a separator (<c>password: …</c>, <c>"_authToken":"…"</c>).
        /// </summary>
        public static string RedactEmbedded(string key)
        {
            if (string.IsNullOrEmpty(key)) return key;
            var k = RedactShapes(key);
            if (k.IndexOf('@') >= 0) k = RedactUserInfo(UrlPasswordFinder.Replace(k, m => m.Prefix(k) + "***@"));
            return RedactAfterCredentialName(k);
        }

        /// <summary>"//user:pass@host" without a scheme (a nerf-dart key): the password hidden.</summary>
        private static string RedactUserInfo(string text)
        {
            StringBuilder? sb = null;
            int copied = 0, from = 0;
            while (true)
            {
                int slashes = text.IndexOf("//", from, StringComparison.Ordinal);
                if (slashes < 0) break;
                from = slashes + 2;
                int colon = from;
                while (colon < text.Length && text[colon] != ':' && text[colon] != '/' && text[colon] != '@' && !char.IsWhiteSpace(text[colon])) colon++;
                if (colon >= text.Length || text[colon] != ':') continue;
                int at = colon + 1;
                while (at < text.Length && text[at] != '/' && text[at] != '@' && !char.IsWhiteSpace(text[at])) at++;
                if (at >= text.Length || text[at] != '@' || at == colon + 1 || text.Substring(colon + 1, at - colon - 1) == "***") continue;
                (sb ??= new StringBuilder(text.Length)).Append(text, copied, colon + 1 - copied).Append("***");
                copied = at;
                from = at;
            }
            return sb == null ? text : sb.Append(text, copied, text.Length - copied).ToString();
        }

        private static string RedactAfterCredentialName(string key)
        {
            int cut = -1;
            foreach (var name in CredentialNames)
            {
                for (int at = key.IndexOf(name, StringComparison.OrdinalIgnoreCase); at >= 0; at = key.IndexOf(name, at + 1, StringComparison.OrdinalIgnoreCase))
                {
                    int end = at + name.Length;
                    if (end >= key.Length || !IsSeparator(key[end])) continue;
                    int rest = end;
                    while (rest < key.Length && IsSeparator(key[rest])) rest++;
                    if (rest >= key.Length) continue;
                    if (cut < 0 || end < cut) cut = end;
                    break;
                }
            }
            if (cut < 0) return key;
            int keep = cut;
            while (keep < key.Length && IsSeparator(key[keep])) keep++;
            return key.Substring(0, keep) + "***";
        }

        private static bool IsSeparator(char c) => char.IsWhiteSpace(c) || c == ':' || c == '=' || c == '"' || c == '\'' || c == ',' || c == ';';

        private static bool IsBase62(char c) => c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z';

        /// <summary>A variable whose name says it carries an npm credential, or whose value holds an npm token.</summary>
        public static bool IsTokenVariable(string name, string? value)
        {
            if (string.IsNullOrWhiteSpace(value)) return false;
            var v = value!.Trim();
            if (Classify("_authToken", v) == NpmCredentialKind.EnvironmentReference) return false;
            if (TokenAnywhere.IsMatch(v)) return true;
            var upper = name.ToUpperInvariant();
            if (upper.StartsWith("NPM_CONFIG_", StringComparison.Ordinal))
            {
                var key = name.Substring("npm_config_".Length);
                var baseKey = key.IndexOf(':') >= 0 ? key.Substring(key.LastIndexOf(':') + 1) : key;
                if (string.Equals(baseKey, "cert", StringComparison.OrdinalIgnoreCase)) return false;
                return IsSecretKey(key) && Classify(key, v) != NpmCredentialKind.ClientCertificatePath;
            }
            if (upper == "NODE_AUTH_TOKEN") return true;
            return upper.Contains("NPM") && (upper.Contains("TOKEN") || upper.Contains("PASSWORD") || upper.EndsWith("_AUTH", StringComparison.Ordinal) || upper.Contains("_AUTH_"));
        }

        /// <summary>Classifies a value found under <paramref name="key"/> (the raw text as written, before expansion).</summary>
        public static NpmCredentialKind Classify(string key, string value)
        {
            var v = value.Trim();
            if (v.Length > 0 && OnlyReferences.IsMatch(v)) return NpmCredentialKind.EnvironmentReference;
            if (GranularShape.IsMatch(v)) return NpmCredentialKind.GranularToken;
            if (UrlPasswordAtStart(v) != null) return NpmCredentialKind.UrlWithPassword;
            var name = key;
            if (NpmHardening.Engine.Config.NerfDart.TrySplitKey(key, out _, out var scoped)) name = scoped;
            switch (name)
            {
                case "_auth": return NpmCredentialKind.BasicAuth;
                case "_password": return NpmCredentialKind.Password;
                case "certfile": case "keyfile": return NpmCredentialKind.ClientCertificatePath;
            }
            if (UuidShape.IsMatch(v)) return NpmCredentialKind.LegacyUuidToken;
            if (IsSecretKey(key) && v.Length > 0) return NpmCredentialKind.OpaqueToken;
            return NpmCredentialKind.None;
        }

        /// <summary>Whether a granular token's last six characters are the base62 CRC32 of its 30 random ones.</summary>
        /// <summary>For a value that holds a granular-token-shaped string: whether its checksum is valid; null when it holds none.</summary>
        internal static bool? ChecksumOfValue(string value)
        {
            var token = FindTokenShapes(value ?? "").FirstOrDefault();
            return token != null ? HasValidChecksum(token) : (bool?)null;
        }

        public static bool HasValidChecksum(string token)
        {
            if (!GranularShape.IsMatch(token)) return false;
            var random = token.Substring(4, 30);
            return token.Substring(34, 6) == Checksum(random);
        }

        /// <summary>The base62 CRC32 checksum of a token's random part, padded to six characters.</summary>
        public static string Checksum(string random)
        {
            uint crc = System.IO.Hashing.Crc32.HashToUInt32(Encoding.ASCII.GetBytes(random));
            var chars = new char[6];
            for (int i = 5; i >= 0; i--)
            {
                chars[i] = Base62[(int)(crc % 62)];
                crc /= 62;
            }
            return new string(chars);
        }

        /// <summary>A display form that reveals at most four characters of a secret: <c>npm_ab…yz</c>.</summary>
        public static string Redact(string secret)
        {
            var v = secret.Trim();
            if (v.Length > 0 && OnlyReferences.IsMatch(v)) return v; // a reference holds no secret
            // keep scheme and user, hide the password
            if (UrlPasswordAtStart(v) is UrlPasswordMatch m) return v.Substring(0, m.PasswordStart) + "***" + v.Substring(m.At);
            if (v.StartsWith("npm_", StringComparison.Ordinal) && v.Length >= 12) return "npm_" + v.Substring(4, 2) + "…" + v.Substring(v.Length - 2);
            if (v.Length >= 16) return v.Substring(0, 2) + "…" + v.Substring(v.Length - 2);
            return v.Length == 0 ? "" : "***";
        }

        /// <summary>A value that is a URL with a password from its first character (scheme://user:password@…).</summary>
        private static UrlPasswordMatch? UrlPasswordAtStart(string v) =>
            UrlPasswordFinder.First(v) is UrlPasswordMatch m && m.Start == 0 ? m : (UrlPasswordMatch?)null;

        /// <summary>First 12 hex digits of SHA-256 over the secret's UTF-8 bytes: equal secrets, equal fingerprints.</summary>
        public static string Fingerprint(string secret)
        {
            using var sha = SHA256.Create();
            var hash = sha.ComputeHash(Encoding.UTF8.GetBytes(secret.Trim()));
            var sb = new StringBuilder(12);
            for (int i = 0; i < 6; i++) sb.Append(hash[i].ToString("x2"));
            return sb.ToString();
        }
    }
}
