using System;
using System.IO;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using CognitoTools.Protocol;
using CognitoTools.Tests.Infrastructure;
using Xunit;

namespace CognitoTools.Tests.Protocol
{
    /// <summary>OpenSSL's TRUSTED CERTIFICATE form (openssl x509 -trustout) in a CA bundle, alone and mixed with plain certificates.</summary>
    public class TrustedCertificateBundleTests : IDisposable
    {
        private readonly TemporaryDirectory _directory = new TemporaryDirectory("cgip-ca-trusted-");

        public void Dispose() => _directory.Dispose();

        // What openssl x509 -trustout -addtrust serverAuth appends to the certificate: X509_CERT_AUX
        // SEQUENCE { trust SEQUENCE { OID serverAuth } }.
        private static readonly byte[] TrustSettings = { 0x30, 0x0C, 0x30, 0x0A, 0x06, 0x08, 0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01 };

        private static string Block(string label, byte[] der)
            => $"-----BEGIN {label}-----\n{Convert.ToBase64String(der, Base64FormattingOptions.InsertLineBreaks)}\n-----END {label}-----\n";

        private static byte[] Trusted(X509Certificate2 certificate)
        {
            var der = new byte[certificate.RawData.Length + TrustSettings.Length];
            Buffer.BlockCopy(certificate.RawData, 0, der, 0, certificate.RawData.Length);
            Buffer.BlockCopy(TrustSettings, 0, der, certificate.RawData.Length, TrustSettings.Length);
            return der;
        }

        private string Write(string text)
        {
            var path = Path.Combine(_directory.Path, Guid.NewGuid().ToString("N") + ".pem");
            File.WriteAllText(path, text);
            return path;
        }

        private static X509Certificate2 Leaf(X509Certificate2 issuer)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=cognito-idp.local", key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
            var serial = new byte[8];
            RandomNumberGenerator.Fill(serial);
            return request.Create(issuer, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), serial);
        }

        [Fact]
        public void A_trusted_certificate_block_is_read_as_its_certificate()
        {
            using var root = TestCertificates.CreateRoot("Trusted Form Root");
            using var leaf = Leaf(root);
            var bundle = CaBundle.Load(Write(Block("TRUSTED CERTIFICATE", Trusted(root))));
            var only = Assert.Single(bundle.Roots);
            Assert.Equal(root.Thumbprint, only.Thumbprint);
            Assert.True(bundle.Validate(leaf, null, SslPolicyErrors.RemoteCertificateChainErrors));
        }

        [Fact]
        public void A_bundle_mixing_both_forms_keeps_every_certificate_in_order()
        {
            using var first = TestCertificates.CreateRoot("Plain Root 1");
            using var second = TestCertificates.CreateRoot("Trusted Root 2");
            using var third = TestCertificates.CreateRoot("Plain Root 3");
            var text = new StringBuilder()
                .Append(Block("CERTIFICATE", first.RawData))
                .Append("# trusted form\n").Append(Block("TRUSTED CERTIFICATE", Trusted(second)))
                .Append(Block("CERTIFICATE", third.RawData)).ToString();
            var bundle = CaBundle.Load(Write(text));
            Assert.Equal(new[] { first.Thumbprint, second.Thumbprint, third.Thumbprint }, new[] { bundle.Roots[0].Thumbprint, bundle.Roots[1].Thumbprint, bundle.Roots[2].Thumbprint });
        }

        [Fact]
        public void A_corrupt_trusted_block_is_InvalidCaBundle_naming_the_certificate()
        {
            var error = Assert.Throws<CaBundleException>(() => CaBundle.Load(Write(Block("TRUSTED CERTIFICATE", new byte[] { 0x04, 0x02, 0x01, 0x02 }))));
            Assert.Equal(CaBundleProblem.Corrupt, error.Problem);
            Assert.Contains("certificate 1", error.Message);
        }
    }
}
