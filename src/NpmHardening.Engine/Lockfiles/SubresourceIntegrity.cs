using System;

namespace NpmHardening.Engine.Lockfiles
{
    /// <summary>What an integrity field says, judged as npm's ssri reads it.</summary>
    internal enum IntegrityShape
    {
        /// <summary>Well-formed and its first hash is sha512.</summary>
        Sha512First,
        /// <summary>Well-formed, only sha1 hashes.</summary>
        Sha1Only,
        /// <summary>Well-formed, but the first hash is not sha512 (sha256, sha384, or sha1 before a stronger one).</summary>
        WeakFirst,
        /// <summary>Empty, a token that is not algorithm-base64, an unknown algorithm or a digest of the wrong length.</summary>
        Malformed,
    }

    /// <summary>Checks Subresource Integrity strings (W3C SRI: space-separated <c>algorithm-base64digest[?options]</c>).</summary>
    internal static class SubresourceIntegrity
    {
        public static IntegrityShape Judge(string integrity, out string? problem)
        {
            problem = null;
            var tokens = integrity.Split(new[] { ' ', '\t', '\n', '\r' }, StringSplitOptions.RemoveEmptyEntries);
            if (tokens.Length == 0)
            {
                problem = "the integrity field is empty";
                return IntegrityShape.Malformed;
            }
            bool allSha1 = true;
            string? first = null;
            foreach (var raw in tokens)
            {
                int q = raw.IndexOf('?');
                string token = q >= 0 ? raw.Substring(0, q) : raw;
                int dash = token.IndexOf('-');
                if (dash <= 0)
                {
                    problem = $"'{Cut(token)}' is not algorithm-digest";
                    return IntegrityShape.Malformed;
                }
                string algorithm = token.Substring(0, dash);
                string digest = token.Substring(dash + 1);
                int bytes = algorithm switch { "sha1" => 20, "sha256" => 32, "sha384" => 48, "sha512" => 64, _ => -1 };
                if (bytes < 0)
                {
                    problem = $"'{Cut(algorithm)}' is not a hash algorithm npm checks (sha1, sha256, sha384, sha512)";
                    return IntegrityShape.Malformed;
                }
                if (!IsBase64Of(digest, bytes))
                {
                    problem = $"the {algorithm} digest is not base64 of {bytes} bytes";
                    return IntegrityShape.Malformed;
                }
                first ??= algorithm;
                if (algorithm != "sha1") allSha1 = false;
            }
            if (allSha1) return IntegrityShape.Sha1Only;
            return first == "sha512" ? IntegrityShape.Sha512First : IntegrityShape.WeakFirst;
        }

        /// <summary>Whether the first algorithm of the field (lockfile-lint's reading) is sha512.</summary>
        public static string FirstAlgorithm(string integrity)
        {
            var trimmed = integrity.TrimStart();
            int dash = trimmed.IndexOf('-');
            return dash > 0 ? trimmed.Substring(0, dash) : trimmed;
        }

        private static bool IsBase64Of(string s, int bytes)
        {
            int length = (bytes + 2) / 3 * 4;
            int padding = (3 - bytes % 3) % 3;
            if (s.Length != length) return false;
            for (int i = 0; i < s.Length; i++)
            {
                char c = s[i];
                bool pad = i >= length - padding;
                if (pad ? c != '=' : !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/'))
                    return false;
            }
            return true;
        }

        private static string Cut(string s) => s.Length > 40 ? s.Substring(0, 40) + "…" : s;
    }
}
