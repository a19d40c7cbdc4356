using System;

namespace NpmHardening.Engine.Registry
{
    /// <summary>Why a registry request did not produce an answer.</summary>
    public enum RegistryErrorKind
    {
        /// <summary>No request was made: plain http to a remote host, or a URL that is not http(s).</summary>
        Refused,
        Timeout,
        /// <summary>Connection refused, DNS failure, connection reset.</summary>
        Network,
        /// <summary>The TLS handshake failed (untrusted or mismatched certificate, protocol).</summary>
        Tls,
        /// <summary>401 or 403: the registry does not accept the credential.</summary>
        Unauthorized,
        /// <summary>404: the registry has no such endpoint (Verdaccio has no token list on some setups).</summary>
        NotFound,
        /// <summary>Another 4xx/5xx status.</summary>
        HttpStatus,
        /// <summary>The body is not the JSON the endpoint should return.</summary>
        InvalidResponse,
        /// <summary>A redirect or next-page link to another origin, which is not followed with the credential.</summary>
        CrossOriginRedirect,
    }

    /// <summary>
    /// A failed registry request. The message names the registry URL (without user info or query) and what to
    /// do; it never contains the credential, the Authorization header or a URL with credentials.
    /// </summary>
    public sealed class RegistryException : Exception
    {
        public RegistryException(RegistryErrorKind kind, string registry, string message, int? statusCode = null, Exception? inner = null)
            : base(message, inner)
        {
            Kind = kind; Registry = registry; StatusCode = statusCode;
        }

        public RegistryErrorKind Kind { get; }
        /// <summary>The URL requested, safe to show.</summary>
        public string Registry { get; }
        public int? StatusCode { get; }
        /// <summary>For 401: the WWW-Authenticate challenge says an OTP is needed.</summary>
        public bool NeedsOtp { get; internal set; }
        /// <summary>For 401: the WWW-Authenticate challenge says the token is not allowed from this IP address (CIDR).</summary>
        public bool AddressNotAllowed { get; internal set; }
    }
}
