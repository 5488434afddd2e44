using CognitoTools.Journal;
using CognitoTools.Protocol;
using Xunit;

namespace CognitoTools.Tests.Protocol
{
    /// <summary>
    /// What follows from StopClassifier's verdict beyond the stop itself: a failed row's advice (the daily e-mail limit
    /// is not the per-user attempt limit), a proxy's refusal (a stop of the whole endpoint, not a Cognito answer), and
    /// resuming (a scope-wide cause is fixed by the user, so its rows are not a permanent skip).
    /// </summary>
    public class ScopeWideAnswerTests
    {
        private const string DailyEmailLimitMessage = "Exceeded daily email limit for the operation or the account. If a higher limit is required, please configure your user pool to use your own Amazon SES configuration for sending email.";
        private const string AttemptLimitMessage = "Attempt limit exceeded, please try after some time.";
        private const string ProxyMessage = "The proxy 'http://127.0.0.1:3128' refused the user name and password of the proxy variable (HTTPS_PROXY, HTTP_PROXY or ALL_PROXY): HTTP 407 Proxy Authentication Required.";

        [Fact]
        public void A_row_failed_with_the_daily_email_limit_gets_the_daily_limits_advice_not_the_per_user_hour()
        {
            var action = StopCauses.RowAction(new CognitoServiceException("LimitExceededException", DailyEmailLimitMessage, 400, "rid"));
            Assert.NotNull(action);
            Assert.Contains("Amazon SES", action);
            Assert.Contains("09:00 UTC", action);
            Assert.DoesNotContain("hour", action);
            Assert.Contains("Get-CGIPHistory -Failed", action);
        }

        [Fact]
        public void The_per_user_attempt_limit_and_other_row_failures_keep_their_error_codes_advice()
        {
            // Null: the error record's advice is the one for the error code (wait up to an hour, for LimitExceededException).
            Assert.Null(StopCauses.RowAction(new CognitoServiceException("LimitExceededException", AttemptLimitMessage, 400, "rid")));
            Assert.Null(StopCauses.RowAction(new CognitoServiceException("UserNotFoundException", "Username/client id combination not found.", 400, "rid")));
            Assert.Null(StopCauses.RowAction(new CognitoServiceException("CodeDeliveryFailureException", "Unable to deliver message.", 400, "rid")));
            Assert.Null(StopCauses.RowAction(new CognitoTransportException(CognitoErrors.ConnectionFailure, "reset")));
        }

        [Fact]
        public void A_scope_wide_rows_advice_is_its_stop_causes_fix()
        {
            var action = StopCauses.RowAction(new CognitoServiceException("NotAuthorizedException", "Client c1 is configured for secret but secret was not received", 400, "rid"));
            Assert.StartsWith(StopCauses.Fix(StopCause.ClientSecretRequired), action);
        }

        [Fact]
        public void A_proxys_407_stops_every_request_to_the_endpoint_with_its_own_id()
        {
            var verdict = StopClassifier.Classify(new CognitoTransportException(CognitoErrors.ProxyAuthenticationRequired, ProxyMessage) { HttpStatusCode = 407 });
            Assert.Equal(ErrorReach.Scope, verdict.Reach);
            Assert.Equal(StopScope.Endpoint, verdict.Scope);
            Assert.Equal(StopCause.ProxyCredentialsRefused, verdict.Cause);
            // By code too (the journal's resume rule reads the code and message).
            Assert.Equal(verdict.ToString(), StopClassifier.Classify(CognitoErrors.ProxyAuthenticationRequired, ProxyMessage, 407).ToString());
            Assert.Equal("ProxyCredentialsRefused", StopCauses.ErrorId(StopCause.ProxyCredentialsRefused));
            Assert.Equal(ErrorClassification.PermissionDenied, StopCauses.Category(StopCause.ProxyCredentialsRefused));
            Assert.Contains("HTTPS_PROXY", StopCauses.Fix(StopCause.ProxyCredentialsRefused));
            Assert.Contains("proxy", StopCauses.Describe(StopCause.ProxyCredentialsRefused));
            // Other transport failures stay transient.
            Assert.Equal(ErrorReach.Transient, StopClassifier.Classify(new CognitoTransportException(CognitoErrors.ConnectionFailure, "reset")).Reach);
        }

        [Theory]
        [InlineData("ResourceNotFoundException", "User pool client c1 does not exist.")]
        [InlineData("NotAuthorizedException", "Client c1 is configured for secret but secret was not received")]
        [InlineData(CognitoErrors.ProxyAuthenticationRequired, ProxyMessage)]
        public void A_row_failed_with_a_scope_wide_cause_is_not_a_permanent_failure(string code, string message)
        {
            Assert.False(ResumeRules.IsPermanentFailure(code, message));
        }

        [Theory]
        [InlineData("UserNotFoundException", "Username/client id combination not found.")]
        [InlineData("InvalidParameterException", "User is already confirmed.")]
        [InlineData("NotAuthorizedException", "Unable to verify secret hash for client c1")]
        public void A_genuinely_per_user_failure_stays_permanent(string code, string message)
        {
            Assert.True(ResumeRules.IsPermanentFailure(code, message));
        }
    }
}
