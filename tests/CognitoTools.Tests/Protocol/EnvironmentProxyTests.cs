using System;
using System.Collections.Generic;
using System.Net;
using CognitoTools.Protocol;
using Xunit;

namespace CognitoTools.Tests.Protocol
{
    public class EnvironmentProxyTests
    {
        private static EnvironmentProxy From(params (string Name, string Value)[] variables)
        {
            var env = new Dictionary<string, string>();
            foreach (var (name, value) in variables) env[name] = value;
            return EnvironmentProxy.FromEnvironment(n => env.TryGetValue(n, out var v) ? v : null);
        }

        private static readonly Uri Cognito = new Uri("https://cognito-idp.us-east-1.amazonaws.com/");

        [Fact]
        public void No_variables_means_no_proxy()
        {
            Assert.Null(From());
            Assert.Null(From(("NO_PROXY", "example.com")));
        }

        [Fact]
        public void Https_destinations_use_HTTPS_PROXY_and_http_ones_HTTP_PROXY()
        {
            var p = From(("HTTPS_PROXY", "http://secure-proxy:3128"), ("HTTP_PROXY", "plain-proxy:8080"));
            Assert.Equal(new Uri("http://secure-proxy:3128"), p.GetProxy(Cognito));
            Assert.Equal(new Uri("http://plain-proxy:8080"), p.GetProxy(new Uri("http://cognito.internal/")));
            Assert.False(p.IsBypassed(Cognito));
        }

        [Fact]
        public void Lower_case_wins_over_upper_case()
        {
            var p = From(("https_proxy", "http://lower:1"), ("HTTPS_PROXY", "http://upper:2"));
            Assert.Equal(new Uri("http://lower:1"), p.GetProxy(Cognito));
        }

        [Fact]
        public void ALL_PROXY_is_the_fallback()
        {
            var p = From(("ALL_PROXY", "http://all:9"));
            Assert.Equal(new Uri("http://all:9"), p.GetProxy(Cognito));
        }

        [Fact]
        public void Only_HTTP_PROXY_leaves_https_destinations_direct()
        {
            var p = From(("HTTP_PROXY", "http://plain:1"));
            Assert.True(p.IsBypassed(Cognito));
            Assert.Equal(Cognito, p.GetProxy(Cognito));
        }

        [Theory]
        [InlineData("amazonaws.com", true)]
        [InlineData(".amazonaws.com", true)]
        [InlineData("*.amazonaws.com", true)]
        [InlineData("us-east-1.amazonaws.com", true)]
        [InlineData("cognito-idp.us-east-1.amazonaws.com", true)]
        [InlineData("azonaws.com", false)]
        [InlineData("example.com, other.org", false)]
        [InlineData("example.com,amazonaws.com", true)]
        [InlineData("*", true)]
        [InlineData("cognito-idp.us-east-1.amazonaws.com:443", true)]
        [InlineData("cognito-idp.us-east-1.amazonaws.com:8443", false)]
        [InlineData("", false)]
        public void NO_PROXY_host_and_suffix_matching(string noProxy, bool bypassed)
        {
            var p = From(("HTTPS_PROXY", "http://proxy:3128"), ("no_proxy", noProxy));
            Assert.Equal(bypassed, p.IsBypassed(Cognito));
        }

        [Theory]
        [InlineData("http://127.0.0.1:5000/")]
        [InlineData("http://localhost:5000/")]
        [InlineData("http://[::1]:5000/")]
        public void Loopback_always_bypasses(string url)
        {
            var p = From(("HTTP_PROXY", "http://proxy:3128"), ("HTTPS_PROXY", "http://proxy:3128"));
            Assert.True(p.IsBypassed(new Uri(url)));
        }

        [Fact]
        public void IPv6_NO_PROXY_entries()
        {
            var p = From(("HTTP_PROXY", "http://proxy:3128"), ("NO_PROXY", "[fd00::1]:80,fd00::2"));
            Assert.True(p.IsBypassed(new Uri("http://[fd00::1]/")));
            Assert.True(p.IsBypassed(new Uri("http://[fd00::2]:8080/")));
            Assert.False(p.IsBypassed(new Uri("http://[fd00::3]/")));
        }

        [Fact]
        public void Credentials_in_the_proxy_URL_are_used()
        {
            var p = From(("HTTPS_PROXY", "http://us%40er:p%3Ass@proxy:3128"));
            var credential = p.Credentials.GetCredential(new Uri("http://proxy:3128"), "Basic");
            Assert.Equal("us@er", credential.UserName);
            Assert.Equal("p:ss", credential.Password);
        }

        [Theory]
        [InlineData("socks5://proxy:1080")]
        [InlineData("http://")]
        public void Unusable_proxy_values_are_ignored(string value)
        {
            Assert.Null(From(("HTTPS_PROXY", value)));
        }
    }
}
