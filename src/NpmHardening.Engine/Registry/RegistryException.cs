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
        /// <summary>429 after the bounded retries, or a Retry-After longer than the client waits.</summary>
        RateLimited,
        /// <summary>A downloaded artifact whose hash is not the one the registry announced; nothing was kept.</summary>
        IntegrityMismatch,
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
        /// <summary>
        /// For an OTP challenge whose body names npm's web second-factor pair: the page the user opens. Safe to show
        /// (npm prints it too); null otherwise.
        /// </summary>
        public string? WebAuthUrl { get; internal set; }
        /// <summary>The URL polled until the web second factor is done (it answers 202, then 200 with the code).</summary>
        public string? WebDoneUrl { get; internal set; }
        /// <summary>True when the failed request carried a one-time password (so a new challenge means it was rejected).</summary>
        public bool OtpWasSent { get; internal set; }
        /// <summary>For 429: how long the registry asked to wait.</summary>
        public TimeSpan? RetryAfter { get; internal set; }
    }
}
