using System;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace NpmHardening.Engine.Tests.Rules
{
    /// <summary>Self-signed CA certificates made on the spot, as PEM text.</summary>
    internal static class TestCertificate
    {
        public static string Pem(string subject)
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
            return cert.ExportCertificatePem();
        }
    }
}
