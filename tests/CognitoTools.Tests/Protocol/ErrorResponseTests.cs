using System.Linq;
using System.Text;
using System.Threading.Tasks;
using CognitoTools.Protocol;
using CognitoTools.TestEndpoint.Http;
using Xunit;

namespace CognitoTools.Tests.Protocol
{
    public class ErrorResponseTests
    {
        private static async Task<CognitoServiceException> FailWith(ResponseAction action, int maxAttempts = 1)
        {
            using var f = new ClientFixture(_ => action, c => c.MaxAttempts = maxAttempts);
            return await Assert.ThrowsAsync<CognitoServiceException>(() => f.SendAsync());
        }

        [Fact]
        public async Task Code_and_message_from_the_body()
        {
            var ex = await FailWith(ResponseAction.Json(400, "{\"__type\":\"UserNotFoundException\",\"message\":\"Username/client id combination not found.\"}")
                .WithHeader("x-amzn-RequestId", "rid-1"));
            Assert.Equal("UserNotFoundException", ex.ErrorCode);
            Assert.Equal("Username/client id combination not found.", ex.Message);
            Assert.Equal(400, ex.HttpStatusCode);
            Assert.Equal("rid-1", ex.RequestId);
            Assert.Equal(1, ex.Attempts);
        }

        [Fact]
        public async Task Code_from_the_header_only()
        {
            var ex = await FailWith(ResponseAction.Json(400, "{\"message\":\"Invalid.\"}").WithHeader("X-Amzn-ErrorType", "InvalidParameterException:http://internal.amazon.com/coral/com.amazon.coral.validate/"));
            Assert.Equal("InvalidParameterException", ex.ErrorCode);
            Assert.Equal("Invalid.", ex.Message);
        }

        [Fact]
        public async Task Body_wins_over_the_header()
        {
            var ex = await FailWith(ResponseAction.Json(400, "{\"__type\":\"com.amazonaws.cognito#NotAuthorizedException\",\"message\":\"m\"}")
                .WithHeader("X-Amzn-ErrorType", "UserNotFoundException"));
            Assert.Equal("NotAuthorizedException", ex.ErrorCode);
        }

        [Fact]
        public async Task Body_code_member_is_read_in_any_case_and_type_wins_over_it()
        {
            Assert.Equal("LimitExceededException", (await FailWith(ResponseAction.Json(400, "{\"code\":\"LimitExceededException\",\"message\":\"m\"}"))).ErrorCode);
            Assert.Equal("LimitExceededException", (await FailWith(ResponseAction.Json(400, "{\"Code\":\"LimitExceededException\",\"message\":\"m\"}"))).ErrorCode);
            // The JS SDK reads __type before code for awsJson.
            Assert.Equal("ForbiddenException", (await FailWith(ResponseAction.Json(400, "{\"code\":\"LimitExceededException\",\"__type\":\"ForbiddenException\"}"))).ErrorCode);
        }

        [Fact]
        public async Task Capitalised_Message_is_read()
        {
            var ex = await FailWith(ResponseAction.Json(400, "{\"__type\":\"aws.cognito#UserNotFoundException:extra\",\"Message\":\"Capital.\"}"));
            Assert.Equal("UserNotFoundException", ex.ErrorCode);
            Assert.Equal("Capital.", ex.Message);
        }

        [Theory]
        [InlineData("UserNotFoundException", "UserNotFoundException")]
        [InlineData("aws.cognito#UserNotFoundException", "UserNotFoundException")]
        [InlineData("a#b.c#UserNotFoundException", "UserNotFoundException")]
        [InlineData("UserNotFoundException:http://internal.amazon.com/x#y", "UserNotFoundException")]
        [InlineData("ns#UserNotFoundException:http://x", "UserNotFoundException")]
        [InlineData("UserNotFoundException,InvalidParameterException", "UserNotFoundException")]
        [InlineData("SomeNewException", "SomeNewException")]
        public void Sanitising_follows_Smithy(string raw, string expected)
        {
            Assert.Equal(expected, CognitoErrors.SanitizeErrorCode(raw));
        }

        [Fact]
        public async Task Unknown_codes_are_kept_as_is()
        {
            var ex = await FailWith(ResponseAction.Json(400, "{\"__type\":\"BrandNewException\",\"message\":\"new\"}"));
            Assert.Equal("BrandNewException", ex.ErrorCode);
            Assert.Equal(ErrorClassification.NotSpecified, CognitoErrors.Classify(ex.ErrorCode));
        }

        public static TheoryData<string> ModelledCodes()
        {
            var data = new TheoryData<string>();
            foreach (var code in CognitoErrors.ModelledErrorCodes) data.Add(code);
            return data;
        }

        [Theory]
        [MemberData(nameof(ModelledCodes))]
        public async Task Every_modelled_error_is_surfaced_with_its_code_and_message(string code)
        {
            var status = code == "InternalErrorException" ? 500 : code == "TooManyRequestsException" ? 429 : 400;
            var ex = await FailWith(Responses.Error(status, code, "Text for " + code));
            Assert.Equal(code, ex.ErrorCode);
            Assert.Equal("Text for " + code, ex.Message);
            Assert.Equal(status, ex.HttpStatusCode);
            Assert.True(CognitoErrors.IsModelled(code));
        }

        [Fact]
        public void The_model_s_16_errors_are_listed_and_only_InternalError_is_a_fault()
        {
            var model = ModelFile.Load();
            var modelCodes = model.RootElement.GetProperty("operation").GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("shape").GetString()).ToArray();
            Assert.Equal(16, modelCodes.Length);
            Assert.Equal(modelCodes, CognitoErrors.ModelledErrorCodes);
            var shapes = model.RootElement.GetProperty("shapes");
            foreach (var code in modelCodes)
            {
                var isFault = shapes.GetProperty(code).TryGetProperty("fault", out var fault) && fault.GetBoolean();
                Assert.Equal(isFault, CognitoErrors.IsFault(code));
            }
            Assert.True(CognitoErrors.IsFault("InternalErrorException"));
        }

        [Theory]
        [InlineData("UserNotFoundException", ErrorClassification.ObjectNotFound)]
        [InlineData("ResourceNotFoundException", ErrorClassification.ObjectNotFound)]
        [InlineData("NotAuthorizedException", ErrorClassification.PermissionDenied)]
        [InlineData("ForbiddenException", ErrorClassification.PermissionDenied)]
        [InlineData("InvalidParameterException", ErrorClassification.InvalidArgument)]
        [InlineData("TooManyRequestsException", ErrorClassification.LimitsExceeded)]
        [InlineData("LimitExceededException", ErrorClassification.LimitsExceeded)]
        [InlineData("OperationNotEnabledException", ErrorClassification.NotEnabled)]
        [InlineData("CodeDeliveryFailureException", ErrorClassification.ResourceUnavailable)]
        [InlineData("InternalErrorException", ErrorClassification.ResourceUnavailable)]
        [InlineData("UnexpectedLambdaException", ErrorClassification.InvalidOperation)]
        [InlineData("UserLambdaValidationException", ErrorClassification.InvalidOperation)]
        [InlineData("InvalidLambdaResponseException", ErrorClassification.InvalidResult)]
        [InlineData("InvalidSmsRoleAccessPolicyException", ErrorClassification.SecurityError)]
        [InlineData("InvalidSmsRoleTrustRelationshipException", ErrorClassification.SecurityError)]
        [InlineData("InvalidEmailRoleAccessPolicyException", ErrorClassification.SecurityError)]
        [InlineData("ConnectionFailure", ErrorClassification.ConnectionError)]
        [InlineData("RequestTimeout", ErrorClassification.OperationTimeout)]
        [InlineData("MalformedResponse", ErrorClassification.ProtocolError)]
        [InlineData("SomethingElse", ErrorClassification.NotSpecified)]
        [InlineData(null, ErrorClassification.NotSpecified)]
        public void Classification(string code, ErrorClassification expected)
        {
            Assert.Equal(expected, CognitoErrors.Classify(code));
        }

        [Fact]
        public async Task Non_JSON_error_body_gives_MalformedResponse_with_status_and_excerpt()
        {
            var ex = await FailWith(ResponseAction.Json(502, "<html><body>Bad gateway from the proxy</body></html>", "text/html"));
            Assert.Equal("MalformedResponse", ex.ErrorCode);
            Assert.Equal(502, ex.HttpStatusCode);
            Assert.Contains("502", ex.Message);
            Assert.Contains("<html><body>Bad gateway from the proxy</body></html>", ex.Message);
            Assert.Contains("text/html", ex.Message);
        }

        [Fact]
        public async Task Non_JSON_error_body_with_a_header_code_keeps_that_code()
        {
            var ex = await FailWith(ResponseAction.Json(400, "oops", "text/plain").WithHeader("X-Amzn-ErrorType", "UserNotFoundException"));
            Assert.Equal("UserNotFoundException", ex.ErrorCode);
            Assert.Contains("'oops'", ex.Message);
        }

        [Fact]
        public async Task Long_bodies_are_cut_to_200_characters_in_the_message()
        {
            var body = "<" + new string('x', 5000) + ">";
            var ex = await FailWith(ResponseAction.Json(400, body, "text/html"));
            Assert.Equal("MalformedResponse", ex.ErrorCode);
            Assert.Contains("'<" + new string('x', 199) + "'...", ex.Message);
            Assert.DoesNotContain(new string('x', 200), ex.Message);
        }

        [Fact]
        public async Task A_2xx_with_a_malformed_body_is_an_error()
        {
            var ex = await FailWith(ResponseAction.Json(200, "{\"CodeDeliveryDetails\":{\"Destination\":"));
            Assert.Equal("MalformedResponse", ex.ErrorCode);
            Assert.Equal(200, ex.HttpStatusCode);
            Assert.Contains("200", ex.Message);
            Assert.IsType<JsonFormatException>(ex.InnerException);
        }

        [Fact]
        public async Task A_2xx_with_a_JSON_array_is_an_error()
        {
            var ex = await FailWith(ResponseAction.Json(200, "[1,2]"));
            Assert.Equal("MalformedResponse", ex.ErrorCode);
        }

        [Theory]
        [InlineData("")]
        [InlineData("{}")]
        public async Task Error_status_without_any_code_is_UnknownError(string body)
        {
            var ex = await FailWith(ResponseAction.Json(404, body));
            Assert.Equal("UnknownError", ex.ErrorCode);
            Assert.Contains("404", ex.Message);
        }

        [Fact]
        public async Task Missing_message_names_the_code_and_status()
        {
            var ex = await FailWith(ResponseAction.Json(400, "{\"__type\":\"UserNotFoundException\"}"));
            Assert.Equal("UserNotFoundException", ex.ErrorCode);
            Assert.Contains("UserNotFoundException", ex.Message);
            Assert.Contains("400", ex.Message);
        }

        [Fact]
        public async Task Truncated_body_is_MalformedResponse_after_retries()
        {
            var action = ResponseAction.Json(200, Responses.DeliveryJson);
            action.TruncateBodyAt = 20;
            using var f = new ClientFixture(_ => action);
            var ex = await Assert.ThrowsAsync<CognitoServiceException>(() => f.SendAsync());
            Assert.Equal("MalformedResponse", ex.ErrorCode);
            Assert.Contains("cut off after 20", ex.Message);
            Assert.Contains(Responses.DeliveryJson.Substring(0, 20), ex.Message);
            Assert.Equal(3, ex.Attempts);
            Assert.Equal(3, f.Server.RequestCount);
        }
    }
}
