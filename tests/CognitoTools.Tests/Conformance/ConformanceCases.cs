using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using CognitoTools.Model;
using CognitoTools.Protocol;
using CognitoTools.TestEndpoint.Http;

namespace CognitoTools.Tests.Conformance
{
    /// <summary>Every input and canned answer the conformance tests send through both clients.</summary>
    public static class ConformanceCases
    {
        public const string ClientId = "4tq1t6mtu2r3example0lk3rsq";
        private const string ClientSecret = "conformance-client-secret-1234567890abcdefghijklmnopqrstu";
        private const string HeaderErrorSuffix = ":http://internal.amazon.com/coral/com.amazonaws.cognito.identityprovider.model/";

        /// <summary>Cognito's answer when the code went out, with a member the model does not know.</summary>
        private const string SuccessBody =
            "{\"CodeDeliveryDetails\":{\"AttributeName\":\"email\",\"DeliveryMedium\":\"EMAIL\",\"Destination\":\"j***@e***.com\",\"FutureMember\":{\"x\":1}},\"AlsoUnknown\":[1,2]}";

        private static readonly Lazy<IReadOnlyList<ConformanceCase>> AllCases = new Lazy<IReadOnlyList<ConformanceCase>>(Build);

        public static IReadOnlyList<ConformanceCase> All => AllCases.Value;

        public static ConformanceCase Get(string id) => All.Single(c => c.Id == id);

        public static IEnumerable<object[]> IdsOf(params CaseKind[] kinds) =>
            All.Where(c => kinds.Contains(c.Kind)).Select(c => new object[] { c.Id });

        private static IReadOnlyList<ConformanceCase> Build()
        {
            var cases = new List<ConformanceCase>();
            cases.AddRange(RequestCases());
            cases.AddRange(ResponseCases());
            cases.AddRange(ErrorCases());
            cases.AddRange(RetryCases());
            var duplicate = cases.GroupBy(c => c.Id).FirstOrDefault(g => g.Count() > 1);
            if (duplicate != null) throw new InvalidOperationException("Duplicate conformance case id " + duplicate.Key);
            return cases;
        }

        private static ResendConfirmationCodeRequest Minimal(string username = "jane.doe") =>
            new ResendConfirmationCodeRequest { ClientId = ClientId, Username = username };

        private static ResponseAction Success(string id) =>
            ResponseAction.Json(200, SuccessBody).WithHeader("x-amzn-RequestId", id + "-request-id");

        private static IEnumerable<ConformanceCase> RequestCases()
        {
            ConformanceCase Request(string id, ResendConfirmationCodeRequest input) =>
                new ConformanceCase(id, CaseKind.Request, input, _ => Success(id));

            yield return Request("request-minimal", Minimal());
            yield return Request("request-plain-email-username", Minimal("jane.doe+signup@example.com"));
            yield return Request("request-username-e-acute-composed", Minimal("jos\u00e9"));
            // The same letter as e + COMBINING ACUTE ACCENT (\p{M}): must be sent as given, not normalised.
            yield return Request("request-username-e-acute-decomposed", Minimal("jose\u0301"));
            yield return Request("request-username-u-umlaut", Minimal("m\u00fcller"));
            yield return Request("request-username-japanese", Minimal("\u65e5\u672c\u8a9e\u30e6\u30fc\u30b6\u30fc"));
            // Outside the BMP (a surrogate pair in .NET strings): 4 UTF-8 bytes on the wire, never \ud83d\ude00 escapes.
            yield return Request("request-username-emoji", Minimal("party\U0001F389user"));
            yield return Request("request-username-symbols-punctuation", Minimal("o'brien_\"q\"\\/-#$%&*<>"));
            yield return Request("request-secret-hash", new ResendConfirmationCodeRequest
            {
                ClientId = ClientId,
                Username = "jane.doe",
                SecretHash = SecretHash.Compute("jane.doe", ClientId, ClientSecret),
            });
            yield return Request("request-client-metadata", new ResendConfirmationCodeRequest
            {
                ClientId = ClientId,
                Username = "jane.doe",
                ClientMetadata = new Dictionary<string, string>
                {
                    ["source"] = "csv-import",
                    ["quote\"key"] = "value with \"double quotes\" and 'single'",
                    ["back\\slash"] = "C:\\Users\\jane\\file.csv",
                    ["newline"] = "line1\nline2\r\nline3\ttabbed",
                    ["controls"] = "nul-adjacent \u0001 \u001f and del \u007f",
                    ["html"] = "</script><b>&amp;</b> 'x'",
                    ["slash"] = "a/b/c",
                    ["separators"] = "ls\u2028ps\u2029",
                    ["\u043a\u043b\u044e\u0447"] = "\u0437\u043d\u0430\u0447\u0435\u043d\u0438\u0435 na\u00efve \u65e5\u672c\u8a9e \U0001F389",
                    ["empty"] = "",
                },
            });
            yield return Request("request-every-member", new ResendConfirmationCodeRequest
            {
                ClientId = ClientId,
                Username = "j\u00fcrgen",
                SecretHash = SecretHash.Compute("j\u00fcrgen", ClientId, ClientSecret),
                AnalyticsEndpointId = "a1b2c3d4e5f6-analytics-endpoint",
                UserContextDataIpAddress = "203.0.113.42",
                UserContextDataEncodedData = "eyJwYXlsb2FkIjoiY29udGV4dC1kYXRhIn0=",
                ClientMetadata = new Dictionary<string, string> { ["campaign"] = "spring", ["locale"] = "de-DE" },
            });
            // Each optional structure on its own, so a member placed in the wrong order shows up alone.
            yield return Request("request-analytics-only", new ResendConfirmationCodeRequest
            {
                ClientId = ClientId, Username = "jane.doe", AnalyticsEndpointId = "endpoint-1",
            });
            yield return Request("request-user-context-ip-only", new ResendConfirmationCodeRequest
            {
                ClientId = ClientId, Username = "jane.doe", UserContextDataIpAddress = "2001:db8::1",
            });
            yield return Request("request-user-context-encoded-only", new ResendConfirmationCodeRequest
            {
                ClientId = ClientId, Username = "jane.doe", UserContextDataEncodedData = "ZW5jb2RlZA==",
            });
        }

        private static IEnumerable<ConformanceCase> ResponseCases()
        {
            ConformanceCase Response(string id, Func<ResponseAction> answer) =>
                new ConformanceCase(id, CaseKind.Response, Minimal(), _ => answer());

            yield return Response("response-empty-object", () => ResponseAction.Json(200, "{}").WithHeader("x-amzn-RequestId", "rid-empty-object"));
            yield return Response("response-empty-body", () => ResponseAction.Json(200, "").WithHeader("x-amzn-RequestId", "rid-empty-body"));
            yield return Response("response-sms-partial-details", () => ResponseAction.Json(200,
                "{\"CodeDeliveryDetails\":{\"DeliveryMedium\":\"SMS\",\"Destination\":\"+*******0123\"}}").WithHeader("X-Amzn-RequestId", "rid-sms"));
            yield return Response("response-null-details", () => ResponseAction.Json(200, "{\"CodeDeliveryDetails\":null}"));
            yield return Response("response-plain-json-content-type", () => ResponseAction.Json(200, SuccessBody, "application/json"));
        }

        /// <summary>A canned error with a request id, answered to every attempt.</summary>
        private static ConformanceCase Error(string id, int status, string body, params (string Name, string Value)[] headers) =>
            Canned(id, CaseKind.Error, status, body, "application/x-amz-json-1.1", headers);

        private static ConformanceCase Canned(string id, CaseKind kind, int status, string body, string contentType, params (string Name, string Value)[] headers) =>
            new ConformanceCase(id, kind, Minimal(), _ =>
            {
                var action = new ResponseAction { StatusCode = status, Body = Encoding.UTF8.GetBytes(body) };
                if (contentType != null) action.WithHeader("Content-Type", contentType);
                action.WithHeader("x-amzn-RequestId", id + "-request-id");
                foreach (var (name, value) in headers) action.WithHeader(name, value);
                return action;
            });

        /// <summary>Cognito's 16 modelled errors for ResendConfirmationCode, with the status Cognito answers them with.</summary>
        public static readonly (string Code, int Status)[] ModelledErrors =
        {
            ("ResourceNotFoundException", 400),
            ("InvalidParameterException", 400),
            ("UnexpectedLambdaException", 400),
            ("UserLambdaValidationException", 400),
            ("NotAuthorizedException", 400),
            ("InvalidLambdaResponseException", 400),
            ("TooManyRequestsException", 400),
            ("LimitExceededException", 400),
            ("InvalidSmsRoleAccessPolicyException", 400),
            ("InvalidSmsRoleTrustRelationshipException", 400),
            ("InvalidEmailRoleAccessPolicyException", 400),
            ("CodeDeliveryFailureException", 400),
            ("UserNotFoundException", 400),
            ("OperationNotEnabledException", 400),
            ("InternalErrorException", 500),
            ("ForbiddenException", 403),
        };

        private static IEnumerable<ConformanceCase> ErrorCases()
        {
            const string notFound = "Username/client id combination not found.";

            yield return Error("error-code-in-header-only", 400, "{\"message\":\"" + notFound + "\"}",
                ("X-Amzn-ErrorType", "UserNotFoundException" + HeaderErrorSuffix));
            yield return Error("error-code-in-body-type-only", 400, "{\"__type\":\"UserNotFoundException\",\"message\":\"" + notFound + "\"}");
            yield return Error("error-code-in-body-code-only", 400, "{\"code\":\"NotAuthorizedException\",\"message\":\"Unable to verify secret hash for client " + ClientId + "\"}");
            yield return Error("error-header-and-body-type-differ", 400, "{\"__type\":\"UserNotFoundException\",\"message\":\"" + notFound + "\"}",
                ("X-Amzn-ErrorType", "InvalidParameterException" + HeaderErrorSuffix));
            yield return Error("error-header-and-body-code-differ", 400, "{\"code\":\"CodeDeliveryFailureException\",\"message\":\"Unable to deliver.\"}",
                ("X-Amzn-ErrorType", "InvalidParameterException" + HeaderErrorSuffix));
            yield return Error("error-body-type-and-code-differ", 400, "{\"__type\":\"InvalidParameterException\",\"code\":\"UserNotFoundException\",\"message\":\"User is already confirmed.\"}");
            yield return Error("error-namespaced-type", 400, "{\"__type\":\"com.amazonaws.cognito.identityprovider.model#UserNotFoundException\",\"message\":\"" + notFound + "\"}");
            yield return Error("error-namespaced-type-with-suffix", 400,
                "{\"__type\":\"aws.protocoltests.restjson#FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/\",\"message\":\"Foo went wrong\"}");
            yield return Error("error-protocol-test-namespace-modelled", 400, "{\"__type\":\"aws.protocoltests.json#TooManyRequestsException\",\"message\":\"Rate exceeded\"}");
            yield return Error("error-header-namespaced-with-suffix", 400, "{\"message\":\"Foo went wrong\"}",
                ("X-Amzn-ErrorType", "aws.protocoltests.restjson#FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/"));
            yield return Error("error-capital-message", 400, "{\"__type\":\"NotAuthorizedException\",\"Message\":\"Unable to verify secret hash for client " + ClientId + "\"}");
            yield return Error("error-both-message-casings", 400, "{\"__type\":\"InvalidParameterException\",\"Message\":\"capital\",\"message\":\"lower\"}");
            yield return Error("error-unknown-code-kept", 400, "{\"__type\":\"BrandNewCognitoException\",\"message\":\"Something new.\"}");
            yield return Error("error-invalid-parameter-with-reason-code", 400,
                "{\"__type\":\"InvalidParameterException\",\"message\":\"User is already confirmed.\",\"reasonCode\":\"INVALID_ATTRIBUTE\"}");
            yield return Error("error-message-with-escapes", 400, "{\"__type\":\"UserLambdaValidationException\",\"message\":\"PreSignUp failed: \\\"x\\\" \\u00e9\\n\\u65e5\"}");
            yield return Error("error-429-too-many-requests", 429, "{\"__type\":\"TooManyRequestsException\",\"message\":\"Rate exceeded\"}");
            yield return Error("error-400-too-many-requests", 400, "{\"__type\":\"TooManyRequestsException\",\"message\":\"Rate exceeded\"}");
            yield return Error("error-500-internal-error", 500, "{\"__type\":\"InternalErrorException\",\"message\":\"Internal server error.\"}");
            // Cognito answers InternalErrorException with 500; should anything answer it with a 4xx, we still retry (issue 3).
            yield return Error("error-400-internal-error", 400, "{\"__type\":\"InternalErrorException\",\"message\":\"Internal server error.\"}");
            yield return Error("error-503-code-in-header-only", 503, "{\"message\":\"Service Unavailable\"}",
                ("X-Amzn-ErrorType", "ServiceUnavailableException" + HeaderErrorSuffix));
            yield return Error("error-502-with-code", 502, "{\"__type\":\"BadGatewayException\",\"message\":\"Bad gateway\"}");
            yield return Error("error-504-with-code", 504, "{\"__type\":\"GatewayTimeoutException\",\"message\":\"Gateway timeout\"}");

            foreach (var (code, status) in ModelledErrors)
            {
                yield return Error("modelled-" + code, status, "{\"__type\":\"" + code + "\",\"message\":\"Cognito says " + code + ".\"}");
            }

            yield return Canned("error-code-without-message", CaseKind.ErrorWithoutMessage, 400, "{\"__type\":\"CodeDeliveryFailureException\"}", "application/x-amz-json-1.1");
            yield return Canned("error-code-in-header-only-no-body", CaseKind.ErrorWithoutMessage, 400, "", "application/x-amz-json-1.1",
                ("X-Amzn-ErrorType", "NotAuthorizedException" + HeaderErrorSuffix));
            yield return Canned("error-header-code-empty-body-500", CaseKind.ErrorWithoutMessage, 500, "", "application/x-amz-json-1.1",
                ("X-Amzn-ErrorType", "InternalErrorException" + HeaderErrorSuffix));

            // No code anywhere, or a body that is not JSON: the JS SDK makes up a name ("Unknown", "SyntaxError").
            yield return Canned("unreadable-400-empty-body", CaseKind.UnreadableError, 400, "", "application/x-amz-json-1.1");
            yield return Canned("unreadable-429-empty-body", CaseKind.UnreadableError, 429, "", "application/x-amz-json-1.1");
            yield return Canned("unreadable-503-message-no-code", CaseKind.UnreadableError, 503, "{\"message\":\"Service Unavailable\"}", "application/x-amz-json-1.1");
            yield return Canned("unreadable-500-empty-body", CaseKind.UnreadableError, 500, "", "application/x-amz-json-1.1");
            yield return Canned("unreadable-503-empty-object", CaseKind.UnreadableError, 503, "{}", "application/x-amz-json-1.1");
            yield return Canned("unreadable-500-html", CaseKind.UnreadableError, 500, "<html><body><h1>500 Internal Server Error</h1></body></html>", "text/html");
            yield return Canned("unreadable-503-html", CaseKind.UnreadableError, 503, "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>", "text/html");
            yield return Canned("unreadable-502-html", CaseKind.UnreadableError, 502, "<html><body>502 Bad Gateway</body></html>", "text/html");
            yield return Canned("unreadable-504-plain-text", CaseKind.UnreadableError, 504, "upstream request timeout", "text/plain");
            yield return Canned("unreadable-400-html", CaseKind.UnreadableError, 400, "<html>Bad request</html>", "text/html");
        }

        private static IEnumerable<ConformanceCase> RetryCases()
        {
            yield return new ConformanceCase("retry-drop-connection", CaseKind.Retry, Minimal(), _ => new ResponseAction { DropConnection = true });
            yield return new ConformanceCase("retry-success-after-503", CaseKind.Retry, Minimal(), attempt => attempt == 1
                ? ResponseAction.Json(503, "{\"message\":\"Service Unavailable\"}")
                : Success("retry-success-after-503"));
            yield return new ConformanceCase("retry-success-after-throttling", CaseKind.Retry, Minimal(), attempt => attempt == 1
                ? ResponseAction.Json(400, "{\"__type\":\"TooManyRequestsException\",\"message\":\"Rate exceeded\"}")
                : Success("retry-success-after-throttling"));
            yield return new ConformanceCase("retry-success-after-drop", CaseKind.Retry, Minimal(), attempt => attempt == 1
                ? new ResponseAction { DropConnection = true }
                : Success("retry-success-after-drop"));
            yield return new ConformanceCase("retry-success-on-third-attempt", CaseKind.Retry, Minimal(), attempt => attempt <= 2
                ? ResponseAction.Json(500, "{\"__type\":\"InternalErrorException\",\"message\":\"Internal server error.\"}")
                : Success("retry-success-on-third-attempt"));
            // Content-Length promises more than arrives before the connection closes: no complete answer.
            yield return new ConformanceCase("retry-truncated-error-body", CaseKind.Retry, Minimal(), _ =>
            {
                var action = ResponseAction.Json(400, "{\"__type\":\"UserNotFoundException\",\"message\":\"Username/client id combination not found.\"}");
                action.TruncateBodyAt = 20;
                return action;
            });
            yield return new ConformanceCase("retry-truncated-success-body", CaseKind.Retry, Minimal(), _ =>
            {
                var action = Success("retry-truncated-success-body");
                action.TruncateBodyAt = 30;
                return action;
            });
            yield return new ConformanceCase("retry-max-attempts-1", CaseKind.Retry, Minimal(),
                _ => ResponseAction.Json(500, "{\"__type\":\"InternalErrorException\",\"message\":\"Internal server error.\"}")) { MaxAttempts = 1 };
            yield return new ConformanceCase("retry-max-attempts-5", CaseKind.Retry, Minimal(),
                _ => ResponseAction.Json(503, "{\"message\":\"Service Unavailable\"}")) { MaxAttempts = 5 };
        }
    }
}
