using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using CognitoTools.Protocol;
using CognitoTools.Tests.Infrastructure;
using Xunit;

namespace CognitoTools.Tests.Protocol
{
    public class CaBundleTests : IDisposable
    {
        private readonly TemporaryDirectory _directory = new TemporaryDirectory("cgip-ca-");

        public void Dispose() => _directory.Dispose();

        private static X509Certificate2 CreateLeaf(X509Certificate2 issuer, DateTimeOffset notBefore, DateTimeOffset notAfter)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=cognito-idp.local", key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
            var serial = new byte[8];
            RandomNumberGenerator.Fill(serial);
            return request.Create(issuer, notBefore, notAfter, serial);
        }

        private string WritePem(params X509Certificate2[] certificates)
        {
            var sb = new StringBuilder("# extra roots\n");
            foreach (var c in certificates)
            {
                sb.Append("-----BEGIN CERTIFICATE-----\n")
                  .Append(Convert.ToBase64String(c.RawData, Base64FormattingOptions.InsertLineBreaks))
                  .Append("\n-----END CERTIFICATE-----\n");
            }
            var path = Path.Combine(_directory.Path, Guid.NewGuid().ToString("N") + ".pem");
            File.WriteAllText(path, sb.ToString());
            return path;
        }

        [Fact]
        public void A_chain_to_a_bundle_root_is_accepted_and_others_refused()
        {
            using var root = TestCertificates.CreateRoot("Corp Root");
            using var otherRoot = TestCertificates.CreateRoot("Other Root");
            using var leaf = CreateLeaf(root, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
            using var strangerLeaf = CreateLeaf(otherRoot, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
            var bundle = CaBundle.Load(WritePem(otherRoot, root));
            Assert.Equal(2, bundle.Roots.Count);

            Assert.True(bundle.Validate(leaf, null, SslPolicyErrors.RemoteCertificateChainErrors));
            Assert.False(CaBundle.Load(WritePem(otherRoot)).Validate(leaf, null, SslPolicyErrors.RemoteCertificateChainErrors));
            Assert.True(bundle.Validate(strangerLeaf, null, SslPolicyErrors.RemoteCertificateChainErrors));
            Assert.False(CaBundle.Load(WritePem(root)).Validate(strangerLeaf, null, SslPolicyErrors.RemoteCertificateChainErrors));
        }

        [Fact]
        public void Name_mismatch_and_missing_certificate_are_never_rescued()
        {
            using var root = TestCertificates.CreateRoot("Corp Root");
            using var leaf = CreateLeaf(root, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
            var bundle = CaBundle.Load(WritePem(root));
            Assert.False(bundle.Validate(leaf, null, SslPolicyErrors.RemoteCertificateChainErrors | SslPolicyErrors.RemoteCertificateNameMismatch));
            Assert.False(bundle.Validate(null, null, SslPolicyErrors.RemoteCertificateNotAvailable));
            Assert.True(bundle.Validate(leaf, null, SslPolicyErrors.None));
        }

        [Fact]
        public void An_expired_certificate_is_refused_even_under_a_bundle_root()
        {
            using var root = TestCertificates.CreateRoot("Corp Root");
            using var expired = CreateLeaf(root, DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(-1));
            Assert.False(CaBundle.Load(WritePem(root)).Validate(expired, null, SslPolicyErrors.RemoteCertificateChainErrors));
        }

        [Theory]
        [InlineData("missing", CaBundleProblem.NotFound, "does not exist")]
        [InlineData("nothing here", CaBundleProblem.NoCertificate, "no PEM certificate")]
        [InlineData("-----BEGIN CERTIFICATE-----\n@@not base64@@\n-----END CERTIFICATE-----\n", CaBundleProblem.Corrupt, "not valid Base64")]
        [InlineData("-----BEGIN CERTIFICATE-----\nAAECAwQFBgcICQ==\n-----END CERTIFICATE-----\n", CaBundleProblem.Corrupt, "not a valid X.509 certificate")]
        [InlineData("-----BEGIN CERTIFICATE-----\nAAECAwQFBgcICQ==\n", CaBundleProblem.Corrupt, "no '-----END CERTIFICATE-----' line")]
        public void A_bad_bundle_fails_with_its_problem_the_file_and_where_the_setting_came_from(string content, CaBundleProblem problem, string why)
        {
            var path = Path.Combine(_directory.Path, "bundle.pem");
            if (content != "missing") File.WriteAllText(path, content);
            var ex = Assert.Throws<CaBundleException>(() => CaBundle.Load(path, "$env:AWS_CA_BUNDLE"));
            Assert.Equal(problem, ex.Problem);
            Assert.Equal(path, ex.Path);
            Assert.Equal("$env:AWS_CA_BUNDLE", ex.Origin);
            Assert.Contains($"'{path}' (from $env:AWS_CA_BUNDLE)", ex.Message);
            Assert.Contains(why, ex.Message);
            Assert.Equal("InvalidCaBundle", CaBundleException.ErrorId);
        }

        [Fact]
        public void A_bundle_that_cannot_be_read_is_an_unreadable_problem()
        {
            // The file exists but another handle holds it exclusively: reading fails for every user, root included (file
            // modes do not stop root), on Windows (a sharing violation) and on Unix (.NET's advisory lock) alike.
            var path = Path.Combine(_directory.Path, "locked.pem");
            File.WriteAllText(path, "-----BEGIN CERTIFICATE-----\n");
            using (new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
            {
                Assert.Throws<IOException>(() => File.ReadAllText(path)); // the premise: this file cannot be read now
                var ex = Assert.Throws<CaBundleException>(() => CaBundle.Load(path, "ca_bundle of profile 'default' in /x/config"));
                Assert.Equal(CaBundleProblem.Unreadable, ex.Problem);
                Assert.Equal(path, ex.Path);
                Assert.IsAssignableFrom<IOException>(ex.InnerException);
                Assert.Contains("cannot be read", ex.Message);
                Assert.Contains("ca_bundle of profile 'default'", ex.Message);
            }
        }

        [Fact]
        public void The_client_reports_a_bad_bundle_when_it_is_created_before_anything_is_sent()
        {
            var path = Path.Combine(_directory.Path, "empty.pem");
            File.WriteAllText(path, "nothing here");
            var ex = Assert.Throws<CaBundleException>(() => new CognitoIdpClient(new CognitoClientConfig
            {
                ServiceUrl = new Uri("https://127.0.0.1:9"),
                CaBundlePath = path,
                CaBundleOrigin = "$env:AWS_CA_BUNDLE",
            }));
            Assert.Equal(CaBundleProblem.NoCertificate, ex.Problem);
        }

        [Fact]
        public void A_leaf_whose_usages_exclude_server_authentication_is_refused()
        {
            using var root = TestCertificates.CreateRoot("Corp Root");
            var bundle = CaBundle.Load(WritePem(root));
            foreach (var (oids, accepted) in new[] { (new[] { "1.3.6.1.5.5.7.3.2" }, false), (new[] { "1.3.6.1.5.5.7.3.2", "1.3.6.1.5.5.7.3.1" }, true), (new string[0], true) })
            {
                using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
                var request = new CertificateRequest("CN=cognito-idp.local", key, HashAlgorithmName.SHA256);
                var usages = new OidCollection();
                foreach (var oid in oids) usages.Add(new Oid(oid));
                if (oids.Length > 0) request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, false));
                using var leaf = request.Create(root, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), new byte[] { 1, 2, 3, (byte)oids.Length });
                Assert.Equal(accepted, bundle.Validate(leaf, null, SslPolicyErrors.RemoteCertificateChainErrors));
            }
        }

        [Fact]
        public void A_certificate_the_system_trusts_is_still_refused_unless_it_chains_to_the_bundle()
        {
            // The platform said "no errors" (its own trust store), but the bundle replaces the trusted roots.
            using var root = TestCertificates.CreateRoot("Corp Root");
            using var otherRoot = TestCertificates.CreateRoot("Other Root");
            using var strangerLeaf = CreateLeaf(otherRoot, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
            Assert.False(CaBundle.Load(WritePem(root)).Validate(strangerLeaf, null, SslPolicyErrors.None));
        }

        [Fact]
        public void The_intermediates_the_server_sent_complete_the_chain_to_the_bundle_root()
        {
            using var root = TestCertificates.CreateRoot("Corp Root");
            using var intermediate = ChainCertificates.CreateIntermediate(root, "Corp Issuing CA");
            using var leaf = CreateLeaf(intermediate, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
            var bundle = CaBundle.Load(WritePem(root));
            using var presented = new X509Chain();
            presented.ChainPolicy.ExtraStore.Add(intermediate); // what SslStream puts there: the certificates the server sent
            Assert.True(bundle.Validate(leaf, presented, SslPolicyErrors.RemoteCertificateChainErrors));
            // Without them the chain stops at the intermediate (the 0.1.0 failure).
            Assert.False(bundle.Validate(leaf, null, SslPolicyErrors.RemoteCertificateChainErrors));
            // An intermediate is no root: a bundle holding only it does not make its leaves trusted through another root.
            using var otherRoot = TestCertificates.CreateRoot("Other Root");
            Assert.False(CaBundle.Load(WritePem(otherRoot)).Validate(leaf, presented, SslPolicyErrors.RemoteCertificateChainErrors));
        }

        [Fact]
        public void The_handler_on_modern_NET_is_a_SocketsHttpHandler_with_the_configured_limits()
        {
            using var root = TestCertificates.CreateRoot("Corp Root");
            var config = new CognitoClientConfig
            {
                ServiceUrl = new Uri("https://cognito-idp.us-east-1.amazonaws.com"),
                ConnectTimeout = TimeSpan.FromSeconds(7),
                MaxConnectionsPerServer = 9,
                CaBundlePath = WritePem(root),
            };
            using var handler = HttpHandlerFactory.Create(config);
            var sockets = Assert.IsType<SocketsHttpHandler>(handler);
            Assert.Equal(TimeSpan.FromSeconds(7), sockets.ConnectTimeout);
            Assert.Equal(9, sockets.MaxConnectionsPerServer);
            Assert.False(sockets.AllowAutoRedirect);
            Assert.NotNull(sockets.SslOptions.RemoteCertificateValidationCallback);
        }

        /// <summary>Infinite means no timeout (the settings resolver allows it); zero or negative falls back to 60 s.</summary>
        [Fact]
        public void Infinite_connect_timeout_reaches_the_handler_and_zero_means_the_default()
        {
            using (var handler = Assert.IsType<SocketsHttpHandler>(HttpHandlerFactory.Create(new CognitoClientConfig { ConnectTimeout = System.Threading.Timeout.InfiniteTimeSpan })))
            {
                Assert.Equal(System.Threading.Timeout.InfiniteTimeSpan, handler.ConnectTimeout);
            }
            using (var handler = Assert.IsType<SocketsHttpHandler>(HttpHandlerFactory.Create(new CognitoClientConfig { ConnectTimeout = TimeSpan.Zero })))
            {
                Assert.Equal(TimeSpan.FromSeconds(60), handler.ConnectTimeout);
            }
            Assert.Equal(System.Threading.Timeout.InfiniteTimeSpan, CognitoClientConfig.EffectiveTimeout(System.Threading.Timeout.InfiniteTimeSpan));
            Assert.Equal(TimeSpan.FromSeconds(60), CognitoClientConfig.EffectiveTimeout(TimeSpan.FromSeconds(-5)));
            Assert.Equal(TimeSpan.FromSeconds(3), CognitoClientConfig.EffectiveTimeout(TimeSpan.FromSeconds(3)));
        }

        [Fact]
        public void The_NET_Framework_handler_never_sets_a_connection_limit_below_the_ServicePoint_s()
        {
            Assert.Equal(8, HttpHandlerFactory.ClassicConnectionLimit(8, null));
            Assert.Equal(8, HttpHandlerFactory.ClassicConnectionLimit(8, 2));
            Assert.Equal(50, HttpHandlerFactory.ClassicConnectionLimit(8, 50));
            Assert.Equal(1, HttpHandlerFactory.ClassicConnectionLimit(0, null));
        }

#pragma warning disable SYSLIB0014 // ServicePointManager: what .NET Framework uses, exercised here on .NET
        [Fact]
        public void Preparing_a_ServicePoint_only_raises_its_limit_and_only_shortens_its_idle_time()
        {
            var point = ServicePointManager.FindServicePoint(new Uri("https://cgip-sp-test-" + Guid.NewGuid().ToString("N") + ".example"));
            point.ConnectionLimit = 100; // another module's setting
            point.MaxIdleTime = 10000;
            HttpHandlerFactory.PrepareServicePoint(point, 8);
            Assert.Equal(100, point.ConnectionLimit);
            Assert.Equal(10000, point.MaxIdleTime);

            point.ConnectionLimit = 2;
            point.MaxIdleTime = 100000;
            HttpHandlerFactory.PrepareServicePoint(point, 8);
            Assert.Equal(8, point.ConnectionLimit);
            Assert.Equal(50000, point.MaxIdleTime);
            Assert.False(point.Expect100Continue);
        }
#pragma warning restore SYSLIB0014

        [Fact]
        public void The_NET_Framework_handler_gets_the_bundle_as_its_certificate_callback()
        {
            using var root = TestCertificates.CreateRoot("Corp Root");
            using var leaf = CreateLeaf(root, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
            var config = new CognitoClientConfig { ServiceUrl = new Uri("https://cognito-idp.us-east-1.amazonaws.com"), CaBundlePath = WritePem(root) };
            using var handler = Assert.IsType<HttpClientHandler>(HttpHandlerFactory.Create(config, preferSocketsHttpHandler: false));
            var callback = handler.ServerCertificateCustomValidationCallback;
            Assert.NotNull(callback);
            Assert.True(callback(null, leaf, null, SslPolicyErrors.RemoteCertificateChainErrors));
            Assert.False(callback(null, leaf, null, SslPolicyErrors.RemoteCertificateNameMismatch));
        }
    }
}

namespace CognitoTools.Tests.Protocol
{
    public class FrameworkHandlerTests
    {
        [Fact]
        public async System.Threading.Tasks.Task The_NET_Framework_handler_is_configured_and_works_end_to_end()
        {
            using var server = new CognitoTools.TestEndpoint.Http.LocalHttpServer(_ => Responses.Ok()).Start();
            var config = new CognitoClientConfig { ServiceUrl = new Uri($"http://127.0.0.1:{server.Port}"), MaxConnectionsPerServer = 5 };
            var handler = HttpHandlerFactory.Create(config, preferSocketsHttpHandler: false);
            var classic = Assert.IsType<HttpClientHandler>(handler);
            Assert.Equal(5, classic.MaxConnectionsPerServer);
            Assert.False(classic.AllowAutoRedirect);
            Assert.False(classic.UseCookies);
            Assert.Null(classic.ServerCertificateCustomValidationCallback);

            using var client = new CognitoIdpClient(config, handler, null, null);
            for (var i = 0; i < 3; i++)
            {
                var response = await client.ResendConfirmationCodeAsync(new CognitoTools.Model.ResendConfirmationCodeRequest { Username = "ann", ClientId = "c" }, System.Threading.CancellationToken.None);
                Assert.Equal("EMAIL", response.CodeDeliveryDetails.DeliveryMedium);
            }
            Assert.Equal(1, server.ConnectionCount);
            Assert.Null(server.Requests[0].Header("Expect"));
        }

        /// <summary>Windows PowerShell's default Ssl3 | Tls would fail against AWS (TLS 1.2+): the handler adds TLS 1.2.</summary>
        [Theory]
        [InlineData(SecurityProtocolType.SystemDefault, null)]
#pragma warning disable CS0618, SYSLIB0039
        [InlineData(SecurityProtocolType.Ssl3 | SecurityProtocolType.Tls, SslProtocols.Tls | SslProtocols.Tls12)]
        [InlineData(SecurityProtocolType.Tls | SecurityProtocolType.Tls11, SslProtocols.Tls | SslProtocols.Tls11 | SslProtocols.Tls12)]
#pragma warning restore CS0618, SYSLIB0039
        [InlineData(SecurityProtocolType.Tls12 | SecurityProtocolType.Tls13, SslProtocols.Tls12 | SslProtocols.Tls13)]
        public void The_NET_Framework_handler_always_offers_TLS_1_2(SecurityProtocolType process, SslProtocols? expected)
        {
            Assert.Equal(expected, HttpHandlerFactory.ClassicSslProtocols(process));
        }
    }
}

namespace CognitoTools.Tests.Protocol
{
    /// <summary>Throwaway CA hierarchies for chain tests: root -> intermediate -> leaf, made by CertificateRequest.</summary>
    internal static class ChainCertificates
    {
        /// <summary>An intermediate CA (with its key) signed by <paramref name="root"/>.</summary>
        public static X509Certificate2 CreateIntermediate(X509Certificate2 root, string name)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
            using var issued = request.Create(root, DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(180), Serial());
            return issued.CopyWithPrivateKey(key);
        }

        /// <summary>A TLS server certificate (with its key, loadable by SslStream) for the given names.</summary>
        public static X509Certificate2 CreateServerLeaf(X509Certificate2 issuer, DateTimeOffset notBefore, DateTimeOffset notAfter, IPAddress ip = null, string dnsName = null)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=" + (dnsName ?? ip?.ToString() ?? "server"), key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
            var names = new SubjectAlternativeNameBuilder();
            if (ip != null) names.AddIpAddress(ip);
            if (dnsName != null) names.AddDnsName(dnsName);
            request.CertificateExtensions.Add(names.Build());
            using var issued = request.Create(issuer, notBefore, notAfter, Serial());
            using var withKey = issued.CopyWithPrivateKey(key);
            return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx), null);
        }

        private static byte[] Serial()
        {
            var serial = new byte[8];
            RandomNumberGenerator.Fill(serial);
            serial[0] &= 0x7F;
            return serial;
        }
    }
}
