using CognitoTools.Endpoints;
using Xunit;

namespace CognitoTools.Tests.Endpoints
{
    public class EndpointSettingsTests
    {
        private const string ConfigWithEndpoints =
            "[default]\n" +
            "region = eu-west-1\n" +
            "endpoint_url = https://profile-endpoint.example\n" +
            "services = local\n" +
            "\n" +
            "[services local]\n" +
            "cognito_identity_provider =\n" +
            "  endpoint_url = https://services-endpoint.example\n" +
            "s3 =\n" +
            "  endpoint_url = https://s3-endpoint.example\n";

        [Fact]
        public void ConfiguredEndpointsFollowTheSdkOrder()
        {
            using (var home = new TemporaryHome())
            {
                home.WriteConfig(ConfigWithEndpoints);
                home.Environment["AWS_ENDPOINT_URL"] = "https://global-variable.example";
                home.Environment["AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER"] = "https://service-variable.example";

                AssertEndpoint(home.Resolve(new ClientSettingsInput { EndpointUrl = "https://parameter.example" }), "https://parameter.example/", "-EndpointUrl");
                AssertEndpoint(home.Resolve(), "https://service-variable.example/", "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER");

                home.Environment["AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER"] = null;
                AssertEndpoint(home.Resolve(), "https://global-variable.example/", "AWS_ENDPOINT_URL");

                home.Environment["AWS_ENDPOINT_URL"] = null;
                AssertEndpoint(home.Resolve(), "https://services-endpoint.example/", "services 'local' of profile 'default' in " + home.ConfigPath);

                home.WriteConfig(ConfigWithEndpoints.Replace("services = local\n", ""));
                AssertEndpoint(home.Resolve(), "https://profile-endpoint.example/", "profile 'default' in " + home.ConfigPath);

                home.WriteConfig("[default]\nregion = eu-west-1\n");
                var fromRules = home.Resolve();
                Assert.False(fromRules.IsCustomEndpoint);
                Assert.Equal("https://cognito-idp.eu-west-1.amazonaws.com/", fromRules.ServiceUrl.AbsoluteUri);
            }
        }

        [Theory]
        [InlineData("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")]
        [InlineData("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE")]
        [InlineData("config", "true")]
        public void IgnoreConfiguredEndpointUrlsSkipsEnvironmentAndConfigButNotTheParameter(string where, string value)
        {
            using (var home = new TemporaryHome())
            {
                home.WriteConfig(ConfigWithEndpoints + (where == "config" ? "[default]\nignore_configured_endpoint_urls = " + value + "\n" : ""));
                if (where != "config") home.Environment[where] = value;
                home.Environment["AWS_ENDPOINT_URL"] = "https://global-variable.example";
                home.Environment["AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER"] = "https://service-variable.example";

                var ignoring = home.Resolve();
                Assert.False(ignoring.IsCustomEndpoint);
                Assert.Equal("https://cognito-idp.eu-west-1.amazonaws.com/", ignoring.ServiceUrl.AbsoluteUri);

                AssertEndpoint(home.Resolve(new ClientSettingsInput { EndpointUrl = "https://parameter.example" }), "https://parameter.example/", "-EndpointUrl");
            }
        }

        [Fact]
        public void IgnoreVariableSetToFalseOverridesTheConfigFile()
        {
            using (var home = new TemporaryHome())
            {
                home.WriteConfig("[default]\nregion = eu-west-1\nignore_configured_endpoint_urls = true\n");
                home.Environment["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "false";
                home.Environment["AWS_ENDPOINT_URL"] = "https://global-variable.example";
                AssertEndpoint(home.Resolve(), "https://global-variable.example/", "AWS_ENDPOINT_URL");
            }
        }

        [Theory]
        [InlineData("http://cognito.internal.example:8080")]
        [InlineData("http://10.0.0.5")]
        [InlineData("http://128.0.0.1")]
        public void PlainHttpToANonLoopbackHostWarns(string url)
        {
            using (var home = new TemporaryHome())
            {
                var settings = home.Resolve(new ClientSettingsInput { EndpointUrl = url, Region = "us-east-1" });
                Assert.Equal(new System.Uri(url), settings.ServiceUrl);
                var warning = Assert.Single(settings.Warnings);
                Assert.Contains("plain http", warning);
                Assert.Contains(new System.Uri(url).Host, warning);
            }
        }

        [Theory]
        [InlineData("http://localhost:9229")]
        [InlineData("http://LOCALHOST")]
        [InlineData("http://127.0.0.1:5000")]
        [InlineData("http://127.45.6.7")]
        [InlineData("http://[::1]:8080")]
        [InlineData("https://cognito.internal.example")]
        public void LoopbackHttpAndAnyHttpsDoNotWarn(string url)
        {
            using (var home = new TemporaryHome())
            {
                var settings = home.Resolve(new ClientSettingsInput { EndpointUrl = url, Region = "us-east-1" });
                Assert.Equal(new System.Uri(url), settings.ServiceUrl);
                Assert.Empty(settings.Warnings);
            }
        }

        [Theory]
        [InlineData("ftp://example.com")]
        [InlineData("example.com")]
        [InlineData("/relative/path")]
        [InlineData("file:///etc/passwd")]
        [InlineData("not a url")]
        public void EndpointThatIsNotAnAbsoluteHttpUrlIsInvalidEndpointUrl(string url)
        {
            using (var home = new TemporaryHome())
            {
                var error = Assert.Throws<ClientSettingsException>(() => home.Resolve(new ClientSettingsInput { EndpointUrl = url, Region = "us-east-1" }));
                Assert.Equal("InvalidEndpointUrl", error.ErrorId);
                Assert.Contains(url, error.Message);
            }
        }

        [Fact]
        public void InvalidEndpointFromTheEnvironmentNamesTheVariable()
        {
            using (var home = new TemporaryHome())
            {
                home.Environment["AWS_ENDPOINT_URL"] = "localhost:4566";
                var error = Assert.Throws<ClientSettingsException>(() => home.Resolve(new ClientSettingsInput { Region = "us-east-1" }));
                Assert.Equal("InvalidEndpointUrl", error.ErrorId);
                Assert.Contains("AWS_ENDPOINT_URL", error.Message);
            }
        }

        [Theory]
        [InlineData(true, false, "Invalid Configuration: FIPS and custom endpoint are not supported")]
        [InlineData(false, true, "Invalid Configuration: Dualstack and custom endpoint are not supported")]
        public void CustomEndpointWithFipsOrDualStackIsTheRuleSetsError(bool fips, bool dualStack, string ruleSetError)
        {
            using (var home = new TemporaryHome())
            {
                var error = Assert.Throws<ClientSettingsException>(() => home.Resolve(new ClientSettingsInput
                {
                    EndpointUrl = "https://example.com", Region = "us-east-1", UseFipsEndpoint = fips, UseDualstackEndpoint = dualStack,
                }));
                Assert.Equal("EndpointResolutionFailed", error.ErrorId);
                Assert.StartsWith(ruleSetError, error.Message);
                Assert.Equal(ruleSetError, Assert.IsType<EndpointResolutionException>(error.InnerException).Message);
            }
        }

        [Fact]
        public void FipsFromTheEnvironmentWithAnEndpointFromTheEnvironmentIsRefusedNamingBoth()
        {
            using (var home = new TemporaryHome())
            {
                home.Environment["AWS_ENDPOINT_URL"] = "http://127.0.0.1:4566";
                home.Environment["AWS_USE_FIPS_ENDPOINT"] = "true";
                var error = Assert.Throws<ClientSettingsException>(() => home.Resolve());
                Assert.Equal("EndpointResolutionFailed", error.ErrorId);
                Assert.Contains("AWS_ENDPOINT_URL", error.Message);
                Assert.Contains("AWS_USE_FIPS_ENDPOINT", error.Message);
            }
        }

        private static void AssertEndpoint(ResolvedClientSettings settings, string url, string origin)
        {
            Assert.True(settings.IsCustomEndpoint);
            Assert.Equal(url, settings.ServiceUrl.AbsoluteUri);
            Assert.Equal(origin, settings.EndpointOrigin);
        }
    }
}
