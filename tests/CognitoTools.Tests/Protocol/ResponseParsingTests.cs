using System;
using System.Threading.Tasks;
using CognitoTools.Model;
using CognitoTools.TestEndpoint.Http;
using Xunit;

namespace CognitoTools.Tests.Protocol
{
    public class ResponseParsingTests
    {
        [Fact]
        public async Task Delivery_details_request_id_status_and_length_are_read()
        {
            using var f = new ClientFixture(_ => Responses.Ok());
            var response = await f.SendAsync("ann", "client1");

            Assert.Equal("ann", response.CodeDeliveryDetails.Username);
            Assert.Equal("email", response.CodeDeliveryDetails.AttributeName);
            Assert.Equal("EMAIL", response.CodeDeliveryDetails.DeliveryMedium);
            Assert.Equal("j***@e***.com", response.CodeDeliveryDetails.Destination);
            Assert.Equal("req-ok-1", response.ResponseMetadata.RequestId);
            Assert.Equal(200, response.HttpStatusCode);
            Assert.Equal(Responses.DeliveryJson.Length, response.ContentLength);
            Assert.Equal(1, response.Attempts);
            Assert.True(response.Duration > TimeSpan.Zero);
        }

        [Fact]
        public async Task Unknown_members_of_any_JSON_type_are_ignored()
        {
            const string body = "{\"Extra\":[1,2.5e3,{\"deep\":[null,true,false]}],\"CodeDeliveryDetails\":{\"Destination\":\"+*******0123\","
                + "\"DeliveryMedium\":\"SMS\",\"AttributeName\":\"phone_number\",\"FutureMember\":{\"x\":\"y\"}},\"Another\":\"\\u00e9\\ud83d\\ude00\"}";
            using var f = new ClientFixture(_ => Responses.Ok(body));
            var response = await f.SendAsync("bob", "client1");

            Assert.Equal("+*******0123", response.CodeDeliveryDetails.Destination);
            Assert.Equal("SMS", response.CodeDeliveryDetails.DeliveryMedium);
            Assert.Equal("phone_number", response.CodeDeliveryDetails.AttributeName);
            Assert.Equal("bob", response.CodeDeliveryDetails.Username);
        }

        [Theory]
        [InlineData("")]
        [InlineData("{}")]
        [InlineData(" \r\n")]
        [InlineData("null")]
        [InlineData("{\"CodeDeliveryDetails\":null}")]
        public async Task Empty_body_or_empty_object_is_a_success_without_details(string body)
        {
            using var f = new ClientFixture(_ => Responses.Ok(body));
            var response = await f.SendAsync();
            Assert.Null(response.CodeDeliveryDetails);
            Assert.Equal(200, response.HttpStatusCode);
            Assert.Equal("req-ok-1", response.ResponseMetadata.RequestId);
        }

        [Fact]
        public async Task A_JSON_body_with_another_content_type_is_still_read()
        {
            using var f = new ClientFixture(_ => Responses.Raw(200, Responses.DeliveryJson, "text/plain"));
            var response = await f.SendAsync();
            Assert.Equal("EMAIL", response.CodeDeliveryDetails.DeliveryMedium);
        }

        [Fact]
        public async Task Missing_request_id_leaves_it_null()
        {
            using var f = new ClientFixture(_ => ResponseAction.Json(200, "{}"));
            var response = await f.SendAsync();
            Assert.Null(response.ResponseMetadata.RequestId);
            Assert.Equal(string.Empty, response.ResponseMetadata.ToString());
            Assert.Equal("Sent (no delivery details)", response.ToString());
        }

        /// <summary>-Select * and string expansion show these objects by ToString: the request id and the destination, not type names.</summary>
        [Fact]
        public async Task Response_and_metadata_display_as_destination_and_request_id()
        {
            using var f = new ClientFixture(_ => Responses.Ok());
            var response = await f.SendAsync("ann", "client1");

            Assert.Equal("req-ok-1", response.ResponseMetadata.ToString());
            Assert.Equal("EMAIL j***@e***.com (request id req-ok-1)", response.ToString());
        }
    }
}
