using System;
using System.Threading;
using CognitoTools.Endpoints;
using Xunit;

namespace CognitoTools.Tests.Endpoints
{
    public class OtherSettingsTests
    {
        [Fact]
        public void FipsAndDualStackComeFromParameterThenEnvironmentThenConfig()
        {
            using (var home = new TemporaryHome())
            {
                home.WriteConfig("[default]\nregion = us-gov-east-1\nuse_fips_endpoint = true\nuse_dualstack_endpoint = true\n");
                var fromConfig = home.Resolve();
                Assert.True(fromConfig.UseFipsEndpoint && fromConfig.UseDualstackEndpoint);
                Assert.Equal("https://cognito-idp-fips.us-gov-east-1.api.aws/", fromConfig.ServiceUrl.AbsoluteUri);

                home.Environment["AWS_USE_FIPS_ENDPOINT"] = "FALSE";
                var environmentOverConfig = home.Resolve();
                Assert.False(environmentOverConfig.UseFipsEndpoint);
                Assert.True(environmentOverConfig.UseDualstackEndpoint);
                Assert.Equal("https://cognito-idp.us-gov-east-1.api.aws/", environmentOverConfig.ServiceUrl.AbsoluteUri);

                home.Environment["AWS_USE_DUALSTACK_ENDPOINT"] = "False";
                var parameterOverEnvironment = home.Resolve(new ClientSettingsInput { UseFipsEndpoint = true });
                Assert.True(parameterOverEnvironment.UseFipsEndpoint);
                Assert.False(parameterOverEnvironment.UseDualstackEndpoint);
                Assert.Equal("https://cognito-idp-fips.us-gov-east-1.amazonaws.com/", parameterOverEnvironment.ServiceUrl.AbsoluteUri);

                var parameterFalse = home.Resolve(new ClientSettingsInput { UseFipsEndpoint = false, UseDualstackEndpoint = true });
                Assert.Equal("https://cognito-idp.us-gov-east-1.api.aws/", parameterFalse.ServiceUrl.AbsoluteUri);
            }
        }

        [Fact]
        public void SwitchesDefaultToOff()
        {
            using (var home = new TemporaryHome())
            {
                var settings = home.Resolve(new ClientSettingsInput { Region = "cn-north-1" });
                Assert.False(settings.UseFipsEndpoint || settings.UseDualstackEndpoint);
                Assert.Equal("https://cognito-idp.cn-north-1.amazonaws.com.cn/", settings.ServiceUrl.AbsoluteUri);
            }
        }

        [Theory]
        [InlineData("AWS_USE_FIPS_ENDPOINT", "yes")]
        [InlineData("AWS_USE_DUALSTACK_ENDPOINT", "1")]
        [InlineData("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "on")]
        public void SwitchVariableThatIsNotTrueOrFalseIsRefused(string variable, string value)
        {
            using (var home = new TemporaryHome())
            {
                home.Environment[variable] = value;
                var error = Assert.Throws<ClientSettingsException>(() => home.Resolve(new ClientSettingsInput { Region = "us-east-1" }));
                Assert.Equal("InvalidSetting", error.ErrorId);
                Assert.Contains(variable, error.Message);
                Assert.Contains("'" + value + "'", error.Message);
            }
        }

        [Fact]
        public void MaxAttemptsComeFromParameterThenEnvironmentThenConfigThenThree()
        {
            using (var home = new TemporaryHome())
            {
                var input = new ClientSettingsInput { Region = "us-east-1" };
                Assert.Equal(3, home.Resolve(input).MaxAttempts);

                home.WriteConfig("[default]\nmax_attempts = 4\n");
                Assert.Equal(4, home.Resolve(input).MaxAttempts);

                home.Environment["AWS_MAX_ATTEMPTS"] = "6";
                Assert.Equal(6, home.Resolve(input).MaxAttempts);

                input.MaxAttempts = 1;
                Assert.Equal(1, home.Resolve(input).MaxAttempts);
            }
        }

        [Theory]
        [InlineData("0")]
        [InlineData("-2")]
        [InlineData("three")]
        [InlineData("2.5")]
        public void InvalidMaxAttemptsVariableIsRefused(string value)
        {
            using (var home = new TemporaryHome())
            {
                home.Environment["AWS_MAX_ATTEMPTS"] = value;
                var error = Assert.Throws<ClientSettingsException>(() => home.Resolve(new ClientSettingsInput { Region = "us-east-1" }));
                Assert.Equal("InvalidMaxAttempts", error.ErrorId);
                Assert.Contains("AWS_MAX_ATTEMPTS", error.Message);
            }
        }

        [Fact]
        public void InvalidMaxAttemptsInConfigOrParameterIsRefused()
        {
            using (var home = new TemporaryHome())
            {
                home.WriteConfig("[default]\nmax_attempts = lots\n");
                var fromConfig = Assert.Throws<ClientSettingsException>(() => home.Resolve(new ClientSettingsInput { Region = "us-east-1" }));
                Assert.Equal("InvalidMaxAttempts", fromConfig.ErrorId);
                Assert.Contains(home.ConfigPath, fromConfig.Message);

                var fromParameter = Assert.Throws<ClientSettingsException>(() => home.Resolve(new ClientSettingsInput { Region = "us-east-1", MaxAttempts = 0 }));
                Assert.Equal("InvalidMaxAttempts", fromParameter.ErrorId);
            }
        }

        [Fact]
        public void TimeoutsDefaultToSixtySecondsAndKeepGivenValues()
        {
            using (var home = new TemporaryHome())
            {
                var defaults = home.Resolve(new ClientSettingsInput { Region = "us-east-1" });
                Assert.Equal((TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60)), (defaults.ConnectTimeout, defaults.ReadTimeout));

                var given = home.Resolve(new ClientSettingsInput { Region = "us-east-1", ConnectTimeout = TimeSpan.FromSeconds(5), ReadTimeout = Timeout.InfiniteTimeSpan });
                Assert.Equal((TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan), (given.ConnectTimeout, given.ReadTimeout));

                var error = Assert.Throws<ClientSettingsException>(() => home.Resolve(new ClientSettingsInput { Region = "us-east-1", ReadTimeout = TimeSpan.Zero }));
                Assert.Equal("InvalidTimeout", error.ErrorId);
            }
        }

        [Fact]
        public void CaBundleComesFromEnvironmentThenConfig()
        {
            using (var home = new TemporaryHome())
            {
                var input = new ClientSettingsInput { Region = "us-east-1" };
                Assert.Null(home.Resolve(input).CaBundlePath);

                home.WriteConfig("[default]\nca_bundle = ~/certs/corp.pem\n");
                Assert.Equal(System.IO.Path.Combine(home.Path, "certs/corp.pem"), home.Resolve(input).CaBundlePath);
                // Named in an InvalidCaBundle error, so the user knows which setting to fix.
                Assert.Equal("ca_bundle of profile 'default' in " + home.ConfigPath, home.Resolve(input).CaBundleOrigin);

                home.Environment["AWS_CA_BUNDLE"] = "/etc/ssl/proxy.pem";
                Assert.Equal("/etc/ssl/proxy.pem", home.Resolve(input).CaBundlePath);
                Assert.Equal("$env:AWS_CA_BUNDLE", home.Resolve(input).CaBundleOrigin);
            }
        }

        [Fact]
        public void ProcessEnvironmentReaderReadsTheRealEnvironment()
        {
            var reader = ProcessEnvironmentReader.Instance;
            Assert.Same(reader, ProcessEnvironmentReader.Instance);
            Assert.Equal(Environment.GetEnvironmentVariable("PATH"), reader.GetVariable("PATH"));
            var home = Environment.GetEnvironmentVariable("HOME");
            if (!string.IsNullOrEmpty(home)) Assert.Equal(home, reader.HomeDirectory);
            else Assert.False(string.IsNullOrEmpty(reader.HomeDirectory));
        }
    }
}
