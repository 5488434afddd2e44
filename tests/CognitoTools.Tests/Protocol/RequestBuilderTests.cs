using System;
using System.Collections.Generic;
using System.Security;
using CognitoTools.Model;
using CognitoTools.Protocol;
using Xunit;

namespace CognitoTools.Tests.Protocol
{
    /// <summary>What the cmdlet does per row, now in the core: members, SecretHash, the endpoint check, validation.</summary>
    public class RequestBuilderTests
    {
        private static readonly Uri Endpoint = new Uri("https://cognito-idp.eu-west-1.amazonaws.com/");

        private static SecureString Secure(string text)
        {
            var secure = new SecureString();
            foreach (var c in text) secure.AppendChar(c);
            secure.MakeReadOnly();
            return secure;
        }

        [Fact]
        public void Flattened_members_win_over_nested_ones_and_empty_means_not_given()
        {
            using var builder = new RequestBuilder(null, Endpoint, "eu-west-1", allowEndpointChange: false);
            var request = builder.Build(new RequestRow
            {
                Username = "ann",
                ClientId = "client1",
                SecretHash = "",
                AnalyticsEndpointId = "flat",
                NestedAnalyticsEndpointId = "nested",
                UserContextDataEncodedData = "",
                NestedUserContextDataEncodedData = "enc",
                NestedUserContextDataIpAddress = "192.0.2.1",
                ClientMetadata = new Dictionary<string, string>(),
            });
            Assert.Null(request.SecretHash);
            Assert.Equal("flat", request.AnalyticsEndpointId);
            Assert.Equal("enc", request.UserContextDataEncodedData);
            Assert.Equal("192.0.2.1", request.UserContextDataIpAddress);
            Assert.Null(request.ClientMetadata);
        }

        [Fact]
        public void The_SecretHash_is_computed_from_the_client_secret_and_a_row_with_its_own_is_refused()
        {
            using var builder = new RequestBuilder(Secure("s3cr3t-client-secret"), Endpoint, "eu-west-1", false);
            var request = builder.Build(new RequestRow { Username = "ann", ClientId = "1example23456789" });
            Assert.Equal("2C/c8eFTPAjDVPvvchKzglbSXBOXlp5bVzHxTD0L6lQ=", request.SecretHash);

            var ex = Assert.Throws<RequestRejectedException>(() => builder.Build(new RequestRow { Username = "bob", ClientId = "1example23456789", SecretHash = "abc" }));
            Assert.Equal("SecretHashAndClientSecret", ex.ErrorId);
            Assert.Equal("SecretHash", ex.ParameterName);
            Assert.DoesNotContain("s3cr3t", ex.Message);
        }

        [Fact]
        public void The_client_secret_is_converted_once_per_command_never_per_row()
        {
            // The counter is process-wide and other tests may convert in parallel: measure only this builder's rows.
            using var builder = new RequestBuilder(Secure("s3cr3t-client-secret"), Endpoint, "eu-west-1", false);
            var before = SecretHashKey.SecureStringConversions;
            var hashes = new HashSet<string>();
            for (var i = 0; i < 200; i++) hashes.Add(builder.Build(new RequestRow { Username = "user" + i, ClientId = "1example23456789" }).SecretHash);
            Assert.Equal(200, hashes.Count);
            Assert.Equal(before, SecretHashKey.SecureStringConversions);
        }

        [Fact]
        public void A_derived_key_equals_the_plain_computation_and_is_unusable_after_dispose()
        {
            var before = SecretHashKey.SecureStringConversions;
            var key = SecretHashKey.FromSecureString(Secure("Jefe"));
            Assert.True(SecretHashKey.SecureStringConversions > before);
            Assert.Equal("W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=", key.Compute("what do ya want ", "for nothing?"));
            Assert.Equal(SecretHash.Compute("j\u00f6rg", "c", "Jefe"), key.Compute("j\u00f6rg", "c"));
            key.Dispose();
            Assert.Throws<ObjectDisposedException>(() => key.Compute("ann", "c"));
            Assert.Throws<ArgumentException>(() => SecretHashKey.FromSecureString(new SecureString()));
        }

        [Fact]
        public void Validation_still_names_the_parameter_and_nothing_is_built()
        {
            using var builder = new RequestBuilder(Secure("x"), Endpoint, "eu-west-1", false);
            var ex = Assert.Throws<RequestValidationException>(() => builder.Build(new RequestRow { Username = new string('a', 129), ClientId = "c" }));
            Assert.Contains("Username", ex.Message);
        }

        [Fact]
        public void A_resend_of_a_call_to_another_endpoint_is_refused_naming_both_unless_allowed()
        {
            using var builder = new RequestBuilder(null, Endpoint, "eu-west-1", false);
            var row = new RequestRow { Username = "ann", ClientId = "c", OriginalEndpoint = "http://127.0.0.1:5057/" };
            var ex = Assert.Throws<RequestRejectedException>(() => builder.Build(row));
            Assert.Equal("EndpointMismatch", ex.ErrorId);
            Assert.Contains("http://127.0.0.1:5057/", ex.Message);
            Assert.Contains("https://cognito-idp.eu-west-1.amazonaws.com/", ex.Message);
            Assert.Contains("eu-west-1", ex.Message);
            Assert.Contains("-AllowEndpointChange", ex.Message);

            using var allowing = new RequestBuilder(null, Endpoint, "eu-west-1", allowEndpointChange: true);
            Assert.Equal("ann", allowing.Build(row).Username);

            // The same endpoint written differently, and rows that carry no endpoint, go through.
            Assert.Equal("ann", builder.Build(new RequestRow { Username = "ann", ClientId = "c", OriginalEndpoint = "https://COGNITO-IDP.eu-west-1.amazonaws.com" }).Username);
            Assert.Equal("ann", builder.Build(new RequestRow { Username = "ann", ClientId = "c", OriginalEndpoint = "" }).Username);
            Assert.Equal("ann", builder.Build(new RequestRow { Username = "ann", ClientId = "c" }).Username);
            Assert.Throws<RequestRejectedException>(() => builder.Build(new RequestRow { Username = "ann", ClientId = "c", OriginalEndpoint = "https://cognito-idp.us-east-1.amazonaws.com/" }));
        }

        [Theory]
        [InlineData("https://cognito-idp.eu-west-1.amazonaws.com", "https://cognito-idp.eu-west-1.amazonaws.com/", true)]
        [InlineData("https://cognito-idp.eu-west-1.amazonaws.com:443/", "https://cognito-idp.eu-west-1.amazonaws.com/", true)]
        [InlineData("http://cognito-idp.eu-west-1.amazonaws.com/", "https://cognito-idp.eu-west-1.amazonaws.com/", false)]
        [InlineData("http://127.0.0.1:5057/", "http://127.0.0.1:5058/", false)]
        [InlineData("http://127.0.0.1:5057/a", "http://127.0.0.1:5057/b", false)]
        [InlineData("not a url", "http://127.0.0.1:5057/", false)]
        public void Endpoints_compare_by_scheme_host_port_and_path(string recorded, string endpoint, bool same)
        {
            Assert.Equal(same, RequestBuilder.SameEndpoint(recorded, new Uri(endpoint)));
        }
    }
}
