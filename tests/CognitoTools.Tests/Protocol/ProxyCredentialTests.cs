using System;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using CognitoTools.Model;
using CognitoTools.Protocol;
using CognitoTools.TestEndpoint;
using CognitoTools.TestEndpoint.Http;
using Xunit;

namespace CognitoTools.Tests.Protocol
{
    /// <summary>
    /// Proxy credentials are secrets: a proxy that refuses them (407) gives ProxyAuthenticationRequired, and neither
    /// its message nor any inner exception carries the password, over CONNECT (https) and absolute-URI (http) requests
    /// through a local proxy that asks for Basic authentication.
    /// </summary>
    public class ProxyCredentialTests
    {
        private const string User = "corp";
        private const string Password = "s3cret-Pa55word";

        private static CognitoIdpClient ClientThrough(BasicAuthProxy proxy, string password, string serviceUrl)
            => new CognitoIdpClient(ConfigThrough(ProxyUri(proxy.Port, password), serviceUrl, maxAttempts: 3));

        /// <summary>A client's settings with the proxy of HTTPS_PROXY/HTTP_PROXY = <paramref name="proxyUri"/> (user info and all).</summary>
        private static CognitoClientConfig ConfigThrough(Uri proxyUri, string serviceUrl, int maxAttempts) => new CognitoClientConfig
        {
            ServiceUrl = new Uri(serviceUrl),
            Region = "us-east-1",
            MaxAttempts = maxAttempts,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            ReadTimeout = TimeSpan.FromSeconds(10),
            Proxy = new EnvironmentProxy(proxyUri, proxyUri, null),
        };

        private static ResendConfirmationCodeRequest Request() => new ResendConfirmationCodeRequest { ClientId = FakeCognitoService.DemoClientId, Username = "user0001" };

        private static void AssertNoPassword(Exception error, string password)
        {
            for (var e = error; e != null; e = e.InnerException)
            {
                Assert.DoesNotContain(password, e.Message);
                Assert.DoesNotContain(Uri.EscapeDataString(password), e.Message);
                Assert.DoesNotContain(User + ":", e.Message);
            }
            Assert.DoesNotContain(password, error.ToString());
        }

        [Fact]
        public async Task A_refused_CONNECT_is_ProxyAuthenticationRequired_without_the_password()
        {
            using (var proxy = new BasicAuthProxy(User, Password, null))
            using (var client = ClientThrough(proxy, "wrong-Passw0rd", "https://cognito-idp.us-east-1.amazonaws.com/"))
            {
                var error = await Assert.ThrowsAsync<CognitoTransportException>(() => client.ResendConfirmationCodeAsync(Request(), CancellationToken.None));
                Assert.Equal(CognitoErrors.ProxyAuthenticationRequired, error.ErrorCode);
                Assert.Equal(1, error.Attempts); // retrying cannot change the proxy's mind
                Assert.Contains($"127.0.0.1:{proxy.Port}", error.Message);
                Assert.Contains("407", error.Message);
                AssertNoPassword(error, "wrong-Passw0rd");
                Assert.True(proxy.Connects >= 1, "the request went to the proxy as a CONNECT");
                Assert.Equal(ErrorClassification.PermissionDenied, CognitoErrors.Classify(error.ErrorCode));
            }
        }

        [Fact]
        public async Task A_refused_absolute_URI_request_is_ProxyAuthenticationRequired_and_the_right_password_goes_through()
        {
            using (var service = FakeCognitoService.StartNew().SeedDemoPool().SeedUsers(2))
            using (var proxy = new BasicAuthProxy(User, Password, new IPEndPoint(IPAddress.Loopback, service.Port)))
            {
                // Not a loopback name, so the request goes through the proxy (absolute URI), which forwards it to the endpoint.
                var url = $"http://cognito-idp.proxy-test.invalid:{service.Port}/";
                using (var refused = ClientThrough(proxy, "wrong-Passw0rd", url))
                {
                    var error = await Assert.ThrowsAsync<CognitoTransportException>(() => refused.ResendConfirmationCodeAsync(Request(), CancellationToken.None));
                    Assert.Equal(CognitoErrors.ProxyAuthenticationRequired, error.ErrorCode);
                    Assert.Equal(407, error.HttpStatusCode);
                    AssertNoPassword(error, "wrong-Passw0rd");
                    Assert.Contains(proxy.RequestLines, line => line.StartsWith("POST http://cognito-idp.proxy-test.invalid", StringComparison.Ordinal));
                }
                using (var accepted = ClientThrough(proxy, Password, url))
                {
                    var response = await accepted.ResendConfirmationCodeAsync(Request(), CancellationToken.None);
                    Assert.Equal("user0001", response.CodeDeliveryDetails.Username ?? "user0001");
                    Assert.Equal(1, proxy.Forwarded);
                    Assert.Equal(1, service.DeliveryCount);
                }
            }
        }

        private static CognitoUserListClient ListClientThrough(Uri proxyUri, string serviceUrl, int maxAttempts = 3)
            => new CognitoUserListClient(ConfigThrough(proxyUri, serviceUrl, maxAttempts), ExampleKeys());

        /// <summary>AWS's documented example keys: these requests never get past the proxy.</summary>
        private static CognitoTools.Auth.StaticCredentialsProvider ExampleKeys()
            => new CognitoTools.Auth.StaticCredentialsProvider(new CognitoTools.Auth.AwsCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", null, null, "test"));

        private static Uri ProxyUri(int port, string password) => new Uri($"http://{User}:{Uri.EscapeDataString(password)}@127.0.0.1:{port}/");

        private static ListUsersRequest ListRequest() => new ListUsersRequest { UserPoolId = "us-east-1_EXAMPLE" };

        [Fact]
        public async Task ListUsers_through_a_proxy_that_refuses_the_CONNECT_is_ProxyAuthenticationRequired_without_the_password()
        {
            // ListUsers shares the handler (and so the proxy) with ResendConfirmationCode, and its transport failures are
            // described the same way. .NET's own message quotes the proxy URL as configured, password and all: before,
            // ListUsers passed it on ("Could not send the request to ...: The proxy tunnel request to proxy
            // 'http://corp:wrong-Passw0rd@127.0.0.1:.../' failed with status code '407'.") and retried it three times.
            using (var proxy = new BasicAuthProxy(User, Password, null))
            using (var client = ListClientThrough(ProxyUri(proxy.Port, "wrong-Passw0rd"), "https://cognito-idp.us-east-1.amazonaws.com/"))
            {
                var error = await Assert.ThrowsAsync<CognitoTransportException>(() => client.ListUsersAsync(ListRequest(), CancellationToken.None));
                Assert.Equal(CognitoErrors.ProxyAuthenticationRequired, error.ErrorCode);
                Assert.Equal(1, error.Attempts); // retrying cannot change the proxy's mind
                Assert.Contains($"127.0.0.1:{proxy.Port}", error.Message);
                Assert.Contains("407", error.Message);
                AssertNoPassword(error, "wrong-Passw0rd");
            }
        }

        [Fact]
        public async Task ListUsers_through_a_proxy_that_refuses_an_absolute_URI_request_is_ProxyAuthenticationRequired_without_the_password()
        {
            using (var service = FakeCognitoService.StartNew().SeedDemoPool().SeedUsers(2))
            using (var proxy = new BasicAuthProxy(User, Password, new IPEndPoint(IPAddress.Loopback, service.Port)))
            using (var refused = ListClientThrough(ProxyUri(proxy.Port, "wrong-Passw0rd"), $"http://cognito-idp.proxy-test.invalid:{service.Port}/"))
            {
                var error = await Assert.ThrowsAsync<CognitoTransportException>(() => refused.ListUsersAsync(ListRequest(), CancellationToken.None));
                Assert.Equal(CognitoErrors.ProxyAuthenticationRequired, error.ErrorCode);
                Assert.Equal(407, error.HttpStatusCode);
                Assert.Equal(1, error.Attempts);
                AssertNoPassword(error, "wrong-Passw0rd");
            }
        }

        [Fact]
        public async Task ListUsers_through_a_proxy_that_is_not_there_does_not_quote_the_password()
        {
            int port;
            var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop(); // nothing listens there now: the connection to the proxy is refused
            using (var client = ListClientThrough(ProxyUri(port, Password), "https://cognito-idp.us-east-1.amazonaws.com/", maxAttempts: 1))
            {
                var error = await Assert.ThrowsAsync<CognitoTransportException>(() => client.ListUsersAsync(ListRequest(), CancellationToken.None));
                Assert.Equal(CognitoErrors.ConnectionFailure, error.ErrorCode);
                AssertNoPassword(error, Password);
            }
        }

        [Fact]
        public async Task AssumeRole_through_a_proxy_that_refuses_the_CONNECT_does_not_quote_the_password()
        {
            // STS is called through the handler's proxy too (by default .NET's, from HTTPS_PROXY on Linux and macOS),
            // and .NET's message quotes that proxy's URL as configured, password and all.
            using (var proxy = new BasicAuthProxy(User, Password, null))
            {
                var proxyUri = ProxyUri(proxy.Port, "wrong-Passw0rd");
                var source = ExampleKeys();
                var provider = new CognitoTools.Auth.AssumeRoleProvider(source, "arn:aws:iam::123456789012:role/Example", "session", null, null, "us-east-1",
                    new Uri("https://sts.us-east-1.amazonaws.com/"), "profile example", () => new HttpClientHandler { Proxy = new EnvironmentProxy(proxyUri, proxyUri, null), UseProxy = true }, null);
                var error = await Assert.ThrowsAsync<CognitoTools.Auth.AwsCredentialsException>(() => provider.GetCredentialsAsync(CancellationToken.None));
                Assert.Contains("407", error.Message);
                Assert.Contains($"127.0.0.1:{proxy.Port}", error.Message);
                AssertNoPassword(error, "wrong-Passw0rd");
            }
        }

        [Theory]
        [InlineData("The proxy tunnel request to proxy 'http://corp:s3cret-Pa55word@127.0.0.1:3128/' failed with status code '407'.")]
        [InlineData("see https://corp:s3cret%2DPa55word@proxy.example:8080 for details")]
        [InlineData("user info only http://corp@proxy:1/")]
        public void Redaction_removes_the_user_info_of_any_url(string text)
        {
            var redacted = ProxyRedaction.Redact(text);
            Assert.DoesNotContain("corp", redacted);
            Assert.DoesNotContain("s3cret", redacted);
            Assert.Contains("://", redacted);
        }

        [Fact]
        public void Redaction_also_removes_the_proxy_password_where_it_appears_on_its_own()
        {
            var proxyUri = new Uri($"http://{User}:{Uri.EscapeDataString("p@ss word!")}@127.0.0.1:3128/");
            var proxy = new EnvironmentProxy(proxyUri, proxyUri, null);
            Assert.Equal("bad: ***", ProxyRedaction.Redact("bad: p@ss word!", proxy));
            Assert.Equal("http://127.0.0.1:3128", ProxyRedaction.Describe(proxyUri));
        }

        [Fact]
        public void Without_a_proxy_variable_the_system_proxy_is_used_with_the_signed_in_users_credentials()
        {
            var config = new CognitoClientConfig { ServiceUrl = new Uri("https://cognito-idp.us-east-1.amazonaws.com/") };
            var environment = EnvironmentProxy.FromEnvironment();
            using (var handler = HttpHandlerFactory.Create(config, preferSocketsHttpHandler: true))
            {
                Assert.Equal(true, handler.GetType().GetProperty("UseProxy")?.GetValue(handler));
                var proxy = handler.GetType().GetProperty("Proxy")?.GetValue(handler);
                if (environment == null)
                {
                    Assert.Null(proxy); // null: the system proxy
                    Assert.Same(CredentialCache.DefaultCredentials, handler.GetType().GetProperty("DefaultProxyCredentials")?.GetValue(handler));
                }
                else
                {
                    Assert.IsType<EnvironmentProxy>(proxy);
                }
            }
            using (var classic = (HttpClientHandler)HttpHandlerFactory.Create(config, preferSocketsHttpHandler: false))
            {
                Assert.True(classic.UseProxy);
                if (environment == null)
                {
                    Assert.Null(classic.Proxy);
                    Assert.Same(CredentialCache.DefaultCredentials, classic.DefaultProxyCredentials);
                }
            }
        }
    }
}
