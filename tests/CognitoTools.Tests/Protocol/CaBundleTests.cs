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

            Assert.True(bundle.Validate(leaf, SslPolicyErrors.RemoteCertificateChainErrors));
            Assert.False(CaBundle.Load(WritePem(otherRoot)).Validate(leaf, SslPolicyErrors.RemoteCertificateChainErrors));
            Assert.True(bundle.Validate(strangerLeaf, SslPolicyErrors.RemoteCertificateChainErrors));
            Assert.False(CaBundle.Load(WritePem(root)).Validate(strangerLeaf, SslPolicyErrors.RemoteCertificateChainErrors));
        }

        [Fact]
        public void Name_mismatch_and_missing_certificate_are_never_rescued()
        {
            using var root = TestCertificates.CreateRoot("Corp Root");
            using var leaf = CreateLeaf(root, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
            var bundle = CaBundle.Load(WritePem(root));
            Assert.False(bundle.Validate(leaf, SslPolicyErrors.RemoteCertificateChainErrors | SslPolicyErrors.RemoteCertificateNameMismatch));
            Assert.False(bundle.Validate(null, SslPolicyErrors.RemoteCertificateNotAvailable));
            Assert.True(bundle.Validate(leaf, SslPolicyErrors.None));
        }

        [Fact]
        public void An_expired_certificate_is_refused_even_under_a_bundle_root()
        {
            using var root = TestCertificates.CreateRoot("Corp Root");
            using var expired = CreateLeaf(root, DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(-1));
            Assert.False(CaBundle.Load(WritePem(root)).Validate(expired, SslPolicyErrors.RemoteCertificateChainErrors));
        }

        [Fact]
        public void A_file_without_certificates_fails_clearly()
        {
            var path = Path.Combine(_directory.Path, "empty.pem");
            File.WriteAllText(path, "nothing here");
            var ex = Assert.Throws<InvalidOperationException>(() => CaBundle.Load(path));
            Assert.Contains(path, ex.Message);
            Assert.Contains("no PEM certificate", ex.Message);
            Assert.Throws<InvalidOperationException>(() => CaBundle.Load(Path.Combine(_directory.Path, "missing.pem")));
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
