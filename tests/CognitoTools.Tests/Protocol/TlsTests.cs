using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using CognitoTools.Auth;
using CognitoTools.Model;
using CognitoTools.Protocol;
using CognitoTools.Tests.Infrastructure;
using Xunit;

namespace CognitoTools.Tests.Protocol
{
    /// <summary>HTTPS end to end on 127.0.0.1 with a private CA: trusted only through the CA bundle.</summary>
    public sealed class TlsTests : IDisposable
    {
        private readonly TemporaryDirectory _directory = new TemporaryDirectory("cgip-tls-");
        private readonly X509Certificate2 _root;
        private readonly X509Certificate2 _otherRoot;
        private readonly X509Certificate2 _serverCertificate;

        public TlsTests()
        {
            _root = TestCertificates.CreateRoot("Test Corp Root");
            _otherRoot = TestCertificates.CreateRoot("Unrelated Root");
            _serverCertificate = CreateServerCertificate(_root);
        }

        public void Dispose()
        {
            _root.Dispose();
            _otherRoot.Dispose();
            _serverCertificate.Dispose();
            _directory.Dispose();
        }

        [Fact]
        public async Task A_server_certificate_from_the_bundle_s_CA_is_trusted()
        {
            using var server = new TinyTlsServer(_serverCertificate);
            using var client = NewClient(server.Port, WritePem(_root));
            var response = await client.ResendConfirmationCodeAsync(new ResendConfirmationCodeRequest { Username = "ann", ClientId = "c" }, CancellationToken.None);
            Assert.Equal("EMAIL", response.CodeDeliveryDetails.DeliveryMedium);
            Assert.Equal(new[] { ConnectionEnd.Served }, (await server.WaitForEndsAsync(1)).Select(e => e.End));
        }

        [Fact]
        public async Task Without_the_bundle_or_with_another_CA_the_certificate_is_refused()
        {
            using var server = new TinyTlsServer(_serverCertificate);
            foreach (var bundle in new[] { null, WritePem(_otherRoot) })
            {
                using var client = NewClient(server.Port, bundle);
                var ex = await Assert.ThrowsAsync<CognitoTransportException>(() =>
                    client.ResendConfirmationCodeAsync(new ResendConfirmationCodeRequest { Username = "ann", ClientId = "c" }, CancellationToken.None));
                Assert.Equal("ConnectionFailure", ex.ErrorCode);
                Assert.Equal(1, ex.Attempts);
                AssertRefusedForTheCertificate(ex, bundle == null ? "no bundle" : "another CA");
            }
            AssertEndedInTheHandshake(await server.WaitForEndsAsync(2), 2);
        }

        /// <summary>
        /// The corporate setup: the server sends leaf + intermediate, the bundle holds only the root. Passes; the same
        /// chain under another root, an expired leaf and a leaf for another host fail.
        /// </summary>
        [Fact]
        public async Task A_chain_through_an_intermediate_the_server_sends_is_trusted_with_only_the_root_in_the_bundle()
        {
            using var intermediate = ChainCertificates.CreateIntermediate(_root, "Test Corp Issuing CA");
            using var leaf = ChainCertificates.CreateServerLeaf(intermediate, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), ip: IPAddress.Loopback);
            using var server = new TinyTlsServer(leaf, intermediate);
            using var client = NewClient(server.Port, WritePem(_root));
            var response = await client.ResendConfirmationCodeAsync(new ResendConfirmationCodeRequest { Username = "ann", ClientId = "c" }, CancellationToken.None);
            Assert.Equal("EMAIL", response.CodeDeliveryDetails.DeliveryMedium);
            Assert.Equal(new[] { ConnectionEnd.Served }, (await server.WaitForEndsAsync(1)).Select(e => e.End));
        }

        [Fact]
        public async Task An_intermediate_chain_to_another_root_an_expired_leaf_or_a_leaf_for_another_host_is_refused()
        {
            using var intermediate = ChainCertificates.CreateIntermediate(_root, "Test Corp Issuing CA");
            using var strangerIntermediate = ChainCertificates.CreateIntermediate(_otherRoot, "Unrelated Issuing CA");
            var now = DateTimeOffset.UtcNow;
            var cases = new[]
            {
                ("another root", ChainCertificates.CreateServerLeaf(strangerIntermediate, now.AddDays(-1), now.AddDays(30), ip: IPAddress.Loopback), strangerIntermediate),
                ("expired leaf", ChainCertificates.CreateServerLeaf(intermediate, now.AddDays(-20), now.AddDays(-1), ip: IPAddress.Loopback), intermediate),
                ("another host", ChainCertificates.CreateServerLeaf(intermediate, now.AddDays(-1), now.AddDays(30), dnsName: "other.example"), intermediate),
            };
            var bundle = WritePem(_root);
            foreach (var (name, leaf, issuer) in cases)
            {
                using (leaf)
                using (var server = new TinyTlsServer(leaf, issuer))
                using (var client = NewClient(server.Port, bundle))
                {
                    var ex = await Assert.ThrowsAsync<CognitoTransportException>(() =>
                        client.ResendConfirmationCodeAsync(new ResendConfirmationCodeRequest { Username = "ann", ClientId = "c" }, CancellationToken.None));
                    Assert.True(ex.ErrorCode == "ConnectionFailure", name + ": " + ex.ErrorCode);
                    AssertRefusedForTheCertificate(ex, name);
                    AssertEndedInTheHandshake(await server.WaitForEndsAsync(1), 1);
                }
            }
        }

        /// <summary>
        /// The client refused the server's certificate: an AuthenticationException about the remote certificate in the
        /// chain, not just any connection failure (a refused port, a protocol mismatch or plain HTTP would also be one).
        /// </summary>
        private static void AssertRefusedForTheCertificate(Exception ex, string name)
        {
            var chain = new List<Exception>();
            for (var e = ex; e != null; e = e.InnerException) chain.Add(e);
            var describe = string.Join(" <- ", chain.Select(e => e.GetType().Name + ": " + e.Message));
            var tls = chain.OfType<AuthenticationException>().FirstOrDefault();
            Assert.True(tls != null, $"{name}: no AuthenticationException in {describe}");
            Assert.True(tls.Message.IndexOf("remote certificate", StringComparison.OrdinalIgnoreCase) >= 0, $"{name}: not the certificate's failure: {describe}");
        }

        /// <summary>
        /// The server saw each refused connection end at the TLS layer, with no request read: .NET clients check the
        /// certificate once their side of the handshake is done and then close (seen here as a close right after the
        /// handshake), or send an alert that fails the server's handshake. Never a request served, never another error.
        /// </summary>
        private static void AssertEndedInTheHandshake(IReadOnlyList<ConnectionRecord> ends, int expected)
        {
            Assert.Equal(expected, ends.Count);
            foreach (var end in ends)
            {
                var tlsEnd = end.End == ConnectionEnd.ClosedBeforeRequest
                             || (end.End == ConnectionEnd.HandshakeFailed && (end.Error is AuthenticationException || end.Error is IOException));
                Assert.True(tlsEnd, $"the connection did not end at the TLS layer: {end.Reason}");
            }
        }

        [Fact]
        public async Task AssumeRole_trusts_the_command_s_CA_bundle_as_its_own_requests_do()
        {
            // Behind a TLS-inspecting proxy STS is signed by the same private CA as Cognito: a role profile's AssumeRole
            // must trust the bundle the command was given (a plain handler trusted only the system's roots).
            using var server = new TinyTlsServer(_serverCertificate)
            {
                ContentType = "text/xml",
                Body = Responses.AssumeRoleXml("ASIAROLE", "role-secret", "role-token", new DateTimeOffset(2099, 1, 1, 0, 0, 0, TimeSpan.Zero)),
            };
            var config = new CognitoClientConfig { CaBundlePath = WritePem(_root), ConnectTimeout = TimeSpan.FromSeconds(5) };
            AssumeRoleProvider Role(Func<HttpMessageHandler> handler) => new AssumeRoleProvider(
                new StaticCredentialsProvider(new AwsCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", null, null, "test")),
                "arn:aws:iam::123456789012:role/Example", "session", null, null, "us-east-1", new Uri($"https://127.0.0.1:{server.Port}/"), "profile example", handler, null);

            var credentials = await Role(CredentialChainOptions.SharingTransportWith(config).StsHandlerFactory).GetCredentialsAsync(CancellationToken.None);
            Assert.Equal("ASIAROLE", credentials.AccessKeyId);
            // The default handler (what STS used before) refuses the same server: the bundle is what made the difference.
            var refused = await Assert.ThrowsAsync<AwsCredentialsException>(() => Role(null).GetCredentialsAsync(CancellationToken.None));
            Assert.Equal(CredentialErrorIds.AssumeRoleFailed, refused.ErrorId);
            AssertRefusedForTheCertificate(refused, "the default handler");
            var ends = await server.WaitForEndsAsync(2);
            Assert.Equal(ConnectionEnd.Served, ends[0].End);
            AssertEndedInTheHandshake(ends.Skip(1).ToList(), 1);
        }

        private static CognitoIdpClient NewClient(int port, string caBundle)
            => new CognitoIdpClient(new CognitoClientConfig
            {
                ServiceUrl = new Uri($"https://127.0.0.1:{port}"),
                CaBundlePath = caBundle,
                MaxAttempts = 1,
                ConnectTimeout = TimeSpan.FromSeconds(5),
                ReadTimeout = TimeSpan.FromSeconds(10),
            });

        private string WritePem(X509Certificate2 certificate)
        {
            var path = Path.Combine(_directory.Path, Guid.NewGuid().ToString("N") + ".pem");
            File.WriteAllText(path, certificate.ExportCertificatePem());
            return path;
        }

        private static X509Certificate2 CreateServerCertificate(X509Certificate2 issuer)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
            var serial = new byte[8];
            RandomNumberGenerator.Fill(serial);
            using var issued = request.Create(issuer, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), serial);
            using var withKey = issued.CopyWithPrivateKey(key);
            return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx), null);
        }

        private enum ConnectionEnd { HandshakeFailed, ClosedBeforeRequest, Served, Failed }

        /// <summary>How one connection to the test server ended, and why (the exception, when one ended it).</summary>
        private sealed class ConnectionRecord
        {
            public ConnectionEnd End { get; init; }
            public Exception Error { get; init; }
            public string Reason => Error == null ? End.ToString() : $"{End}: {Error.GetType().Name}: {Error.Message}";
        }

        /// <summary>Answers every request on a TLS connection with one fixed success; records how each connection ended.</summary>
        private sealed class TinyTlsServer : IDisposable
        {
            private readonly ConcurrentQueue<ConnectionRecord> _ends = new ConcurrentQueue<ConnectionRecord>();
            private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
            private readonly X509Certificate2 _certificate;
            private readonly SslStreamCertificateContext _context;
            private readonly CancellationTokenSource _stop = new CancellationTokenSource();

            /// <param name="intermediates">Sent with the certificate, as a server behind a private CA does.</param>
            public TinyTlsServer(X509Certificate2 certificate, params X509Certificate2[] intermediates)
            {
                _certificate = certificate;
                if (intermediates.Length > 0)
                {
                    _context = SslStreamCertificateContext.Create(certificate, new X509Certificate2Collection(intermediates), offline: true);
                }
                _listener.Start();
                Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
                _ = Task.Run(AcceptLoop);
            }

            public int Port { get; }
            /// <summary>What every request is answered with (200 OK).</summary>
            public string Body { get; set; } = Responses.DeliveryJson;
            public string ContentType { get; set; } = "application/x-amz-json-1.1";

            /// <summary>The connections that ended, once this many have (the server side may finish after the client).</summary>
            public async Task<IReadOnlyList<ConnectionRecord>> WaitForEndsAsync(int count)
            {
                var deadline = DateTime.UtcNow.AddSeconds(15);
                while (_ends.Count < count && DateTime.UtcNow < deadline) await Task.Delay(20);
                return _ends.ToArray();
            }

            private async Task AcceptLoop()
            {
                while (!_stop.IsCancellationRequested)
                {
                    TcpClient tcp;
                    try { tcp = await _listener.AcceptTcpClientAsync(_stop.Token); }
                    catch (Exception) { return; }
                    _ = Task.Run(() => Serve(tcp));
                }
            }

            private async Task Serve(TcpClient tcp)
            {
                var handshakeDone = false;
                try
                {
                    using (tcp)
                    using (var ssl = new SslStream(tcp.GetStream()))
                    {
                        using var handshake = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                        handshake.CancelAfter(TimeSpan.FromSeconds(10));
                        await ssl.AuthenticateAsServerAsync(_context != null
                            ? new SslServerAuthenticationOptions { ServerCertificateContext = _context }
                            : new SslServerAuthenticationOptions { ServerCertificate = _certificate }, handshake.Token);
                        handshakeDone = true;
                        var buffer = new byte[65536];
                        var received = new StringBuilder();
                        while (true)
                        {
                            var read = await ssl.ReadAsync(buffer, handshake.Token);
                            if (read == 0)
                            {
                                _ends.Enqueue(new ConnectionRecord { End = ConnectionEnd.ClosedBeforeRequest });
                                return;
                            }
                            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
                            var text = received.ToString();
                            var headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                            if (headerEnd < 0) continue;
                            var lengthAt = text.IndexOf("Content-Length:", StringComparison.OrdinalIgnoreCase);
                            var length = lengthAt < 0 ? 0 : int.Parse(text.Substring(lengthAt + 15, text.IndexOf('\r', lengthAt) - lengthAt - 15).Trim());
                            if (text.Length - headerEnd - 4 < length) continue;
                            var body = Encoding.UTF8.GetBytes(Body);
                            var head = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: {ContentType}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
                            await ssl.WriteAsync(head, handshake.Token);
                            await ssl.WriteAsync(body, handshake.Token);
                            _ends.Enqueue(new ConnectionRecord { End = ConnectionEnd.Served });
                            return;
                        }
                    }
                }
                catch (Exception error)
                {
                    // Recorded, not swallowed: a refusal test checks that the handshake is where (and why) it ended.
                    _ends.Enqueue(new ConnectionRecord { End = handshakeDone ? ConnectionEnd.Failed : ConnectionEnd.HandshakeFailed, Error = error });
                }
            }

            public void Dispose()
            {
                _stop.Cancel();
                _listener.Stop();
            }
        }
    }
}
