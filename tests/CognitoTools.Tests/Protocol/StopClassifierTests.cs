using System.Collections.Generic;
using System.Linq;
using CognitoTools.Journal;
using CognitoTools.Protocol;
using Xunit;

namespace CognitoTools.Tests.Protocol
{
    /// <summary>Issue 13: every modelled error and message is the row's own, transient, or account- or pool-wide (with its scope).</summary>
    public class StopClassifierTests
    {
        private const string DailyEmailLimitMessage = "Exceeded daily email limit for the operation or the account. If a higher limit is required, please configure your user pool to use your own Amazon SES configuration for sending email.";
        private const string AttemptLimitMessage = "Attempt limit exceeded, please try after some time.";

        /// <summary>Each modelled code with the message Cognito sends for it, and the verdict (for codes whose verdict depends on the message, the first message; the rest are in <see cref="Messages"/>).</summary>
        private static readonly Dictionary<string, (string Message, ErrorReach Reach, StopScope Scope, StopCause Cause)> ByModelledCode = new Dictionary<string, (string, ErrorReach, StopScope, StopCause)>
        {
            ["ResourceNotFoundException"] = ("User pool client 1example does not exist.", ErrorReach.Scope, StopScope.AppClient, StopCause.AppClientNotFound),
            ["InvalidParameterException"] = ("User is already confirmed.", ErrorReach.Row, StopScope.None, StopCause.None),
            ["UnexpectedLambdaException"] = ("CustomMessage failed with error Task timed out after 5.00 seconds.", ErrorReach.ScopeIfRepeated, StopScope.AppClient, StopCause.LambdaTrigger),
            ["UserLambdaValidationException"] = ("PreSignUp failed with error Not allowed.", ErrorReach.Row, StopScope.None, StopCause.None),
            ["NotAuthorizedException"] = ("Unable to verify secret hash for client 1example", ErrorReach.Row, StopScope.None, StopCause.None),
            ["InvalidLambdaResponseException"] = ("Invalid lambda response received.", ErrorReach.Scope, StopScope.AppClient, StopCause.LambdaTrigger),
            ["TooManyRequestsException"] = ("Rate exceeded", ErrorReach.Transient, StopScope.None, StopCause.None),
            ["LimitExceededException"] = (AttemptLimitMessage, ErrorReach.RowForNow, StopScope.None, StopCause.None),
            ["InvalidSmsRoleAccessPolicyException"] = ("Role does not have permission to publish with SNS.", ErrorReach.Scope, StopScope.AppClient, StopCause.MessagingRole),
            ["InvalidSmsRoleTrustRelationshipException"] = ("Role does not have a trust relationship allowing Cognito to assume the role.", ErrorReach.Scope, StopScope.AppClient, StopCause.MessagingRole),
            ["InvalidEmailRoleAccessPolicyException"] = ("Cognito is not allowed to use your email identity.", ErrorReach.Scope, StopScope.AppClient, StopCause.MessagingRole),
            ["CodeDeliveryFailureException"] = ("Unable to deliver message.", ErrorReach.ScopeIfRepeated, StopScope.AppClient, StopCause.CodeDelivery),
            ["UserNotFoundException"] = ("Username/client id combination not found.", ErrorReach.Row, StopScope.None, StopCause.None),
            ["OperationNotEnabledException"] = ("ResendConfirmationCode is not enabled in this replica Region.", ErrorReach.Scope, StopScope.AppClient, StopCause.OperationNotEnabled),
            ["InternalErrorException"] = ("Internal server error.", ErrorReach.Transient, StopScope.None, StopCause.None),
            ["ForbiddenException"] = ("Request blocked by AWS WAF.", ErrorReach.Scope, StopScope.AppClient, StopCause.Forbidden),
        };

        [Fact]
        public void The_table_covers_exactly_the_models_errors()
        {
            using (var model = ModelFile.Load())
            {
                var codes = model.RootElement.GetProperty("operation").GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("shape").GetString()).ToList();
                Assert.Equal(16, codes.Count);
                Assert.Equal(codes.OrderBy(c => c), ByModelledCode.Keys.OrderBy(c => c));
                Assert.Equal(codes.OrderBy(c => c), CognitoErrors.ModelledErrorCodes.OrderBy(c => c));
            }
        }

        public static IEnumerable<object[]> ModelledCodes() => ByModelledCode.Keys.Select(code => new object[] { code });

        [Theory]
        [MemberData(nameof(ModelledCodes))]
        public void Every_modelled_error_is_classified(string code)
        {
            var expected = ByModelledCode[code];
            var status = code == "ForbiddenException" ? 403 : code == "InternalErrorException" ? 500 : 400;
            var verdict = StopClassifier.Classify(code, expected.Message, status);
            Assert.Equal(expected.Reach, verdict.Reach);
            Assert.Equal(expected.Scope, verdict.Scope);
            Assert.Equal(expected.Cause, verdict.Cause);
            // The same through the exception a failed call carries.
            var fromException = StopClassifier.Classify(new CognitoServiceException(code, expected.Message, status, "rid"));
            Assert.Equal(verdict.ToString(), fromException.ToString());
        }

        public static IEnumerable<object[]> Messages() => new[]
        {
            // LimitExceededException: the account's day, or this user's hour.
            new object[] { "LimitExceededException", DailyEmailLimitMessage, ErrorReach.Scope, StopScope.Account, StopCause.DailyEmailLimit },
            new object[] { "LimitExceededException", "exceeded DAILY EMAIL LIMIT for the operation", ErrorReach.Scope, StopScope.Account, StopCause.DailyEmailLimit },
            new object[] { "LimitExceededException", AttemptLimitMessage, ErrorReach.RowForNow, StopScope.None, StopCause.None },
            new object[] { "LimitExceededException", null, ErrorReach.RowForNow, StopScope.None, StopCause.None },
            // NotAuthorizedException: a client with a secret and no SecretHash is the client's; a wrong hash can be one row's.
            new object[] { "NotAuthorizedException", "Client 1example23456789 is configured for secret but secret was not received", ErrorReach.Scope, StopScope.AppClient, StopCause.ClientSecretRequired },
            new object[] { "NotAuthorizedException", "Unable to verify secret hash for client 1example23456789", ErrorReach.Row, StopScope.None, StopCause.None },
            new object[] { "NotAuthorizedException", null, ErrorReach.Row, StopScope.None, StopCause.None },
            // InvalidParameterException: auto verification off is the pool's; the rest is the row's.
            new object[] { "InvalidParameterException", "Cannot resend codes. Auto verification not turned on.", ErrorReach.Scope, StopScope.AppClient, StopCause.AutoVerificationOff },
            new object[] { "InvalidParameterException", "User is already confirmed.", ErrorReach.Row, StopScope.None, StopCause.None },
            new object[] { "InvalidParameterException", "1 validation error detected: Value at 'username' failed to satisfy constraint", ErrorReach.Row, StopScope.None, StopCause.None },
            // Our own codes and other services' throttling codes.
            new object[] { CognitoErrors.ConnectionFailure, "Connection refused", ErrorReach.Transient, StopScope.None, StopCause.None },
            new object[] { CognitoErrors.RequestTimeout, "No answer within 10 s", ErrorReach.Transient, StopScope.None, StopCause.None },
            new object[] { CognitoErrors.MalformedResponse, "Unreadable body", ErrorReach.Transient, StopScope.None, StopCause.None },
            new object[] { CognitoErrors.RequestValidationFailed, "-Username is empty", ErrorReach.Row, StopScope.None, StopCause.None },
            new object[] { "ThrottlingException", "Rate exceeded", ErrorReach.Transient, StopScope.None, StopCause.None },
            new object[] { "SomethingNewException", "?", ErrorReach.Row, StopScope.None, StopCause.None },
        };

        [Theory]
        [MemberData(nameof(Messages))]
        public void Messages_decide_where_the_code_alone_cannot(string code, string message, ErrorReach reach, StopScope scope, StopCause cause)
        {
            var verdict = StopClassifier.Classify(code, message, 400);
            Assert.Equal(reach, verdict.Reach);
            Assert.Equal(scope, verdict.Scope);
            Assert.Equal(cause, verdict.Cause);
        }

        [Fact]
        public void An_unknown_5xx_is_transient_and_a_transport_failure_too()
        {
            Assert.Equal(ErrorReach.Transient, StopClassifier.Classify("SomethingNewException", "?", 503).Reach);
            Assert.Equal(ErrorReach.Transient, StopClassifier.Classify(new CognitoTransportException(CognitoErrors.ConnectionFailure, "reset")).Reach);
            Assert.Equal(ErrorReach.Row, StopClassifier.Classify(new RequestValidationException("Username", "length 1-128", "too long")).Reach);
        }

        [Theory]
        [InlineData(DailyEmailLimitMessage)]
        [InlineData(AttemptLimitMessage)]
        public void No_LimitExceededException_is_throttling_or_retried_whatever_the_status(string message)
        {
            foreach (var status in new int?[] { 400, 429, 500, null })
            {
                Assert.Equal(RetryDecision.None, RetryClassifier.Classify(status, "LimitExceededException", transportFailure: false));
            }
            Assert.False(RetryClassifier.IsThrottlingErrorCode("LimitExceededException"));
            Assert.NotEqual(ErrorReach.Transient, StopClassifier.Classify("LimitExceededException", message, 429).Reach);
        }

        [Fact]
        public void The_attempt_limit_is_not_a_permanent_skip_on_resume_and_neither_is_the_daily_limit()
        {
            Assert.False(ResumeRules.IsPermanentFailure("LimitExceededException", AttemptLimitMessage));
            Assert.False(ResumeRules.IsPermanentFailure("LimitExceededException", DailyEmailLimitMessage));
            Assert.False(ResumeRules.IsPermanentFailure("InvalidSmsRoleTrustRelationshipException", "Role does not have a trust relationship"));
        }

        [Fact]
        public void The_about_topic_states_the_run_length_and_the_daily_limits_facts()
        {
            var text = System.IO.File.ReadAllText(Docs.DocsPaths.AboutTopicPath);
            Assert.Contains("## When Cognito says stop", text);
            Assert.Contains($"until {StopClassifier.AmbiguousRunLength} in a row for distinct users", text);
            Assert.Contains("09:00 UTC", text);
            Assert.Contains("PreventUserExistenceErrors", text);
            Assert.Contains("holds back the users of that scope who get their code by SMS", text);
        }

        [Fact]
        public void Every_cause_has_a_stable_id_a_category_words_and_a_fix()
        {
            var causes = System.Enum.GetValues(typeof(StopCause)).Cast<StopCause>().Where(c => c != StopCause.None).ToList();
            foreach (var cause in causes)
            {
                Assert.Matches("^[A-Z][A-Za-z]+$", StopCauses.ErrorId(cause));
                Assert.NotEqual(ErrorClassification.NotSpecified, StopCauses.Category(cause));
                Assert.False(string.IsNullOrWhiteSpace(StopCauses.Describe(cause)));
                Assert.False(string.IsNullOrWhiteSpace(StopCauses.Fix(cause)));
            }
            Assert.Equal("DailyEmailLimitReached", StopCauses.ErrorId(StopCause.DailyEmailLimit));
            Assert.Equal(ErrorClassification.LimitsExceeded, StopCauses.Category(StopCause.DailyEmailLimit));
            Assert.Contains("Amazon SES", StopCauses.Fix(StopCause.DailyEmailLimit));
            Assert.Contains("09:00 UTC", StopCauses.Fix(StopCause.DailyEmailLimit));
            Assert.Equal("PoolConfigurationError", StopCauses.ErrorId(StopCause.MessagingRole));
        }
    }
}
