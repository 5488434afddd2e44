using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Tasks;
using CognitoTools.Model;
using CognitoTools.Protocol;
using Xunit;

namespace CognitoTools.Tests.Protocol
{
    public class WireFormatTests
    {
        [Fact]
        public async Task Minimal_request_is_awsJson11_post_with_only_required_members()
        {
            using var f = new ClientFixture(_ => Responses.Ok());
            await f.SendAsync("ann", "client1");

            var r = Assert.Single(f.Server.Requests);
            Assert.Equal("POST", r.Method);
            Assert.Equal("/", r.Path);
            Assert.Equal("application/x-amz-json-1.1", r.Header("Content-Type"));
            Assert.Equal("AWSCognitoIdentityProviderService.ResendConfirmationCode", r.Header("X-Amz-Target"));
            Assert.Equal("{\"ClientId\":\"client1\",\"Username\":\"ann\"}", r.BodyText);
            Assert.Equal(r.Body.Length.ToString(), r.Header("Content-Length"));
            Assert.Null(r.Header("Authorization"));
            Assert.Null(r.Header("X-Amz-Date"));
            Assert.Null(r.Header("Expect"));
        }

        [Fact]
        public async Task Every_member_is_sent_in_the_JS_SDK_order_nested_as_the_model_defines()
        {
            using var f = new ClientFixture(_ => Responses.Ok());
            await f.SendAsync(new ResendConfirmationCodeRequest
            {
                AnalyticsEndpointId = "endpoint-1",
                ClientMetadata = new Dictionary<string, string> { ["source"] = "csv", ["batch"] = "42" },
                UserContextDataEncodedData = "ZW5jb2RlZA==",
                UserContextDataIpAddress = "203.0.113.7",
                SecretHash = "2C/c8eFTPAjDVPvvchKzglbSXBOXlp5bVzHxTD0L6lQ=",
                Username = "ann",
                ClientId = "client1",
            });

            // Order captured from @aws-sdk/client-cognito-identity-provider 3.1169.0 for the same input.
            const string expected = "{\"ClientId\":\"client1\",\"Username\":\"ann\",\"SecretHash\":\"2C/c8eFTPAjDVPvvchKzglbSXBOXlp5bVzHxTD0L6lQ=\","
                + "\"UserContextData\":{\"IpAddress\":\"203.0.113.7\",\"EncodedData\":\"ZW5jb2RlZA==\"},"
                + "\"AnalyticsMetadata\":{\"AnalyticsEndpointId\":\"endpoint-1\"},"
                + "\"ClientMetadata\":{\"source\":\"csv\",\"batch\":\"42\"}}";
            Assert.Equal(expected, f.Server.Requests.Single().BodyText);
        }

        [Fact]
        public async Task Only_the_given_UserContextData_member_is_sent()
        {
            using var f = new ClientFixture(_ => Responses.Ok());
            await f.SendAsync(new ResendConfirmationCodeRequest { ClientId = "c", Username = "u", UserContextDataEncodedData = "e" });
            Assert.Equal("{\"ClientId\":\"c\",\"Username\":\"u\",\"UserContextData\":{\"EncodedData\":\"e\"}}", f.Server.Requests.Single().BodyText);
        }

        [Fact]
        public async Task Empty_ClientMetadata_and_null_values_are_omitted()
        {
            using var f = new ClientFixture(_ => Responses.Ok());
            await f.SendAsync(new ResendConfirmationCodeRequest { ClientId = "c", Username = "u", ClientMetadata = new Dictionary<string, string>() });
            await f.SendAsync(new ResendConfirmationCodeRequest { ClientId = "c", Username = "u", ClientMetadata = new Dictionary<string, string> { ["a"] = null, ["b"] = "" } });
            var bodies = f.Server.Requests.Select(r => r.BodyText).ToArray();
            Assert.Equal("{\"ClientId\":\"c\",\"Username\":\"u\"}", bodies[0]);
            Assert.Equal("{\"ClientId\":\"c\",\"Username\":\"u\",\"ClientMetadata\":{\"b\":\"\"}}", bodies[1]);
        }

        [Theory]
        [InlineData("jörg")]
        [InlineData("用户名")]
        [InlineData("😀smile")]
        [InlineData("ñandú@example.com")]
        public async Task Non_ASCII_usernames_go_out_as_raw_UTF8(string username)
        {
            using var f = new ClientFixture(_ => Responses.Ok());
            await f.SendAsync(username, "client1");

            var expected = Encoding.UTF8.GetBytes("{\"ClientId\":\"client1\",\"Username\":\"" + username + "\"}");
            var r = f.Server.Requests.Single();
            Assert.Equal(expected, r.Body);
            Assert.DoesNotContain("\\u", r.BodyText);
        }

        [Fact]
        public async Task Quotes_backslashes_and_control_characters_are_escaped_like_JSON_stringify()
        {
            using var f = new ClientFixture(_ => Responses.Ok());
            await f.SendAsync(new ResendConfirmationCodeRequest
            {
                ClientId = "c",
                Username = "u",
                ClientMetadata = new Dictionary<string, string> { ["k\"ey"] = "a\"b\\c\u0001\u001f\b\f\n\r\t\u007f\u2028/<>&é" },
            });
            // JSON.stringify output for the same value (captured with node 20).
            var expected = "{\"ClientId\":\"c\",\"Username\":\"u\",\"ClientMetadata\":{\"k\\\"ey\":\"a\\\"b\\\\c\\u0001\\u001f\\b\\f\\n\\r\\t\u007f\u2028/<>&é\"}}";
            Assert.Equal(Encoding.UTF8.GetBytes(expected), f.Server.Requests.Single().Body);
        }

        [Fact]
        public async Task User_agent_names_the_module_version_the_OS_the_runtime_and_the_suffix()
        {
            using var f = new ClientFixture(_ => Responses.Ok());
            await f.SendAsync();

            var ua = f.Server.Requests.Single().Header("User-Agent");
            var version = typeof(CognitoIdpClient).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>().InformationalVersion.Split('+')[0];
            Assert.StartsWith("CognitoTools/" + version + " (", ua);
            Assert.Contains(RuntimeInformation.FrameworkDescription.Replace('(', '[').Replace(')', ']').Trim(), ua);
            Assert.Contains(RuntimeInformation.OSDescription.Replace('(', '[').Replace(')', ']').Trim().Split(' ')[0], ua);
            Assert.EndsWith(" ps/7.4.1 (Core)", ua);
        }

        [Fact]
        public async Task Each_call_has_its_own_invocation_id_and_starts_at_attempt_1()
        {
            using var f = new ClientFixture(_ => Responses.Ok(), c => c.MaxAttempts = 5);
            await f.SendAsync();
            await f.SendAsync();

            var requests = f.Server.Requests;
            Assert.All(requests, r => Assert.Equal("attempt=1; max=5", r.Header("amz-sdk-request")));
            var ids = requests.Select(r => r.Header("amz-sdk-invocation-id")).ToArray();
            Assert.All(ids, id => Assert.True(Guid.TryParse(id, out _), id));
            Assert.NotEqual(ids[0], ids[1]);
        }

        [Fact]
        public async Task An_endpoint_with_a_path_is_posted_to_that_path_with_a_trailing_slash()
        {
            using var f = new ClientFixture(_ => Responses.Ok());
            f.Config.ServiceUrl = new Uri(f.Server.BaseUri, "prefix");
            await f.SendAsync();
            Assert.Equal("/prefix/", f.Server.Requests.Single().Path);
        }
    }
}
