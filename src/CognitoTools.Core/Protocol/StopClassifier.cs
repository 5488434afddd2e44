using System;

namespace CognitoTools.Protocol
{
    /// <summary>Whose problem an error answer is: the row's, a passing one, or every later row of a scope.</summary>
    public enum ErrorReach
    {
        /// <summary>Not an error (a success), or nothing to say.</summary>
        None,
        /// <summary>The row's own and permanent for it: unknown user, already confirmed, bad input.</summary>
        Row,
        /// <summary>
        /// The row's own for now: the per-user "Attempt limit exceeded" (5 codes per user per hour). A row failure, not
        /// retried in this batch, sent again on resume (never a permanent skip), and never throttling.
        /// </summary>
        RowForNow,
        /// <summary>Passing: throttling, 5xx, no answer. Retried (the client's retry rule).</summary>
        Transient,
        /// <summary>Every later row of the scope would fail the same way: stop the scope at once.</summary>
        Scope,
        /// <summary>
        /// UnexpectedLambdaException, CodeDeliveryFailureException: one bad address or a trigger timing out, or a pool
        /// setting. A row failure, until <see cref="StopClassifier.AmbiguousRunLength"/> consecutive answers of that
        /// code for distinct users of one scope make it a scope stop.
        /// </summary>
        ScopeIfRepeated,
    }

    /// <summary>How far a scope-wide answer reaches at its endpoint.</summary>
    public enum StopScope
    {
        None,
        /// <summary>The app client (its user pool) at that endpoint.</summary>
        AppClient,
        /// <summary>
        /// The whole AWS account at that endpoint (every app client sent to it): the daily e-mail limit of Cognito's
        /// default e-mail is per account and Region. The module cannot tell which account a client id belongs to, so
        /// every client of the batch at that endpoint is held.
        /// </summary>
        Account,
        /// <summary>
        /// Every request to that endpoint, whatever the app client or account: something on the way to Cognito (the
        /// proxy) refuses them all, so no request reaches Cognito.
        /// </summary>
        Endpoint,
    }

    /// <summary>Why a scope stopped. Each has a stable error id and category (see <see cref="StopCauses"/>).</summary>
    public enum StopCause
    {
        None,
        /// <summary>LimitExceededException "Exceeded daily email limit ...": COGNITO_DEFAULT e-mail's 50 messages a day per account.</summary>
        DailyEmailLimit,
        /// <summary>InvalidEmailRoleAccessPolicyException, InvalidSmsRoleAccessPolicyException, InvalidSmsRoleTrustRelationshipException.</summary>
        MessagingRole,
        /// <summary>InvalidLambdaResponseException, or a run of UnexpectedLambdaException: a trigger (custom message, ...) fails.</summary>
        LambdaTrigger,
        /// <summary>A run of CodeDeliveryFailureException: the pool's e-mail or SMS sending fails.</summary>
        CodeDelivery,
        /// <summary>InvalidParameterException "Cannot resend codes. Auto verification not turned on."</summary>
        AutoVerificationOff,
        /// <summary>OperationNotEnabledException (for example a replica Region).</summary>
        OperationNotEnabled,
        /// <summary>ForbiddenException: a WAF web ACL on the pool blocked the request (HTTP 403).</summary>
        Forbidden,
        /// <summary>ResourceNotFoundException: the app client or pool does not exist at that endpoint.</summary>
        AppClientNotFound,
        /// <summary>NotAuthorizedException "Client ... is configured for secret but secret was not received".</summary>
        ClientSecretRequired,
        /// <summary>
        /// The proxy of HTTPS_PROXY/HTTP_PROXY answered 407 (<see cref="CognitoErrors.ProxyAuthenticationRequired"/>): it
        /// refused the credentials (or wants some). Not Cognito's answer: nothing reached Cognito.
        /// </summary>
        ProxyCredentialsRefused,
    }

    /// <summary>The classifier's verdict on one answer.</summary>
    public sealed class StopVerdict
    {
        internal StopVerdict(ErrorReach reach, StopScope scope, StopCause cause)
        {
            Reach = reach;
            Scope = scope;
            Cause = cause;
        }

        public ErrorReach Reach { get; }
        /// <summary>Scope and ScopeIfRepeated only: how far the stop reaches.</summary>
        public StopScope Scope { get; }
        /// <summary>Scope and ScopeIfRepeated only: why.</summary>
        public StopCause Cause { get; }

        public override string ToString() => Reach + (Scope == StopScope.None ? string.Empty : "/" + Scope + "/" + Cause);
    }

    /// <summary>
    /// Sorts Cognito's answers to ResendConfirmationCode into the row's own, transient, and account- or pool-wide
    /// (issue 13: "When Cognito says stop"). Codes are the sanitised error codes; messages are matched by the words
    /// Cognito uses (case-insensitive), since some codes mean a row problem or a pool problem by message alone.
    /// One answer that is not Cognito's is classified here too, since it stops sending the same way: a proxy's 407
    /// (<see cref="CognitoErrors.ProxyAuthenticationRequired"/>), which stops every request to the endpoint.
    /// </summary>
    public static class StopClassifier
    {
        /// <summary>
        /// UnexpectedLambdaException / CodeDeliveryFailureException answers in a row (same code, distinct users, one
        /// scope, nothing else answered for that scope in between) that stop the scope. 10: more than the recommended
        /// -ThrottleLimit of 8, so one burst of trigger time-outs under load (every request in flight failing at once)
        /// does not stop a batch, while a broken pool setting costs at most 10 failed rows (plus those in flight).
        /// </summary>
        public const int AmbiguousRunLength = 10;

        /// <summary>The start of Cognito's message for the per-account daily e-mail limit.</summary>
        public const string DailyEmailLimitWords = "daily email limit";

        public static readonly StopVerdict RowVerdict = new StopVerdict(ErrorReach.Row, StopScope.None, StopCause.None);
        public static readonly StopVerdict RowForNowVerdict = new StopVerdict(ErrorReach.RowForNow, StopScope.None, StopCause.None);
        public static readonly StopVerdict TransientVerdict = new StopVerdict(ErrorReach.Transient, StopScope.None, StopCause.None);
        public static readonly StopVerdict NoVerdict = new StopVerdict(ErrorReach.None, StopScope.None, StopCause.None);

        /// <summary>
        /// A proxy's 407 (not an answer of Cognito's, but classified here because it stops a scope the same way): the
        /// credentials of the proxy variable are wrong for every request to the endpoint, so the whole endpoint stops.
        /// </summary>
        public static readonly StopVerdict ProxyVerdict = new StopVerdict(ErrorReach.Scope, StopScope.Endpoint, StopCause.ProxyCredentialsRefused);

        /// <summary>A failed call's verdict: a CognitoException's code, message and status; anything else is the row's own.</summary>
        public static StopVerdict Classify(Exception error)
        {
            switch (error)
            {
                case null:
                    return NoVerdict;
                case CognitoTransportException proxy when proxy.ErrorCode == CognitoErrors.ProxyAuthenticationRequired:
                    return ProxyVerdict;
                case CognitoTransportException _:
                    return TransientVerdict;
                case CognitoException cognito:
                    return Classify(cognito.ErrorCode, cognito.Message, cognito.HttpStatusCode);
                default:
                    // Validation (nothing sent) and unexpected failures concern the row.
                    return RowVerdict;
            }
        }

        /// <param name="errorCode">Sanitised code (e.g. LimitExceededException), or one of <see cref="CognitoErrors"/>' own.</param>
        /// <param name="message">The answer's message, or null.</param>
        /// <param name="httpStatus">The status, or null when there was no answer.</param>
        public static StopVerdict Classify(string errorCode, string message, int? httpStatus = null)
        {
            switch (errorCode)
            {
                case CognitoErrors.ProxyAuthenticationRequired:
                    return ProxyVerdict;
                case "LimitExceededException":
                    // Never throttling (RetryClassifier never retries it): either the account's day is over, or this user's hour.
                    return Mentions(message, DailyEmailLimitWords) || (Mentions(message, "daily") && Mentions(message, "email"))
                        ? Stop(StopScope.Account, StopCause.DailyEmailLimit)
                        : RowForNowVerdict;
                case "InvalidEmailRoleAccessPolicyException":
                case "InvalidSmsRoleAccessPolicyException":
                case "InvalidSmsRoleTrustRelationshipException":
                    return Stop(StopScope.AppClient, StopCause.MessagingRole);
                case "InvalidLambdaResponseException":
                    return Stop(StopScope.AppClient, StopCause.LambdaTrigger);
                case "ForbiddenException":
                    return Stop(StopScope.AppClient, StopCause.Forbidden);
                case "OperationNotEnabledException":
                    return Stop(StopScope.AppClient, StopCause.OperationNotEnabled);
                case "ResourceNotFoundException":
                    return Stop(StopScope.AppClient, StopCause.AppClientNotFound);
                case "NotAuthorizedException":
                    // "Client <id> is configured for secret but secret was not received": no row of that client can pass.
                    // Other messages ("Unable to verify secret hash for client ...") can be one row's wrong SecretHash.
                    return Mentions(message, "configured for secret") || Mentions(message, "secret was not received")
                        ? Stop(StopScope.AppClient, StopCause.ClientSecretRequired)
                        : RowVerdict;
                case "InvalidParameterException":
                    return Mentions(message, "auto verification not turned on") || Mentions(message, "auto verification is not turned on")
                        ? Stop(StopScope.AppClient, StopCause.AutoVerificationOff)
                        : RowVerdict;
                case "UnexpectedLambdaException":
                    return new StopVerdict(ErrorReach.ScopeIfRepeated, StopScope.AppClient, StopCause.LambdaTrigger);
                case "CodeDeliveryFailureException":
                    return new StopVerdict(ErrorReach.ScopeIfRepeated, StopScope.AppClient, StopCause.CodeDelivery);
                case "UserNotFoundException":
                case "UserLambdaValidationException":
                case CognitoErrors.RequestValidationFailed:
                    return RowVerdict;
                case "TooManyRequestsException":
                case "InternalErrorException":
                case CognitoErrors.ConnectionFailure:
                case CognitoErrors.RequestTimeout:
                case CognitoErrors.MalformedResponse:
                    return TransientVerdict;
            }
            // Anything else follows the retry rule: what it would retry is transient, the rest is the row's own.
            var decision = RetryClassifier.Classify(httpStatus, errorCode, transportFailure: false);
            return decision == RetryDecision.None ? RowVerdict : TransientVerdict;
        }

        private static StopVerdict Stop(StopScope scope, StopCause cause) => new StopVerdict(ErrorReach.Scope, scope, cause);

        private static bool Mentions(string message, string words)
            => message != null && message.IndexOf(words, StringComparison.OrdinalIgnoreCase) >= 0;
    }

    /// <summary>What each stop cause is called, says and asks for: the error id, category, cause and fix in words.</summary>
    public static class StopCauses
    {
        public const string DailyEmailLimitReached = "DailyEmailLimitReached";
        public const string PoolConfigurationError = "PoolConfigurationError";
        public const string PoolAccessForbidden = "PoolAccessForbidden";
        public const string AppClientNotFound = "AppClientNotFound";
        public const string ClientSecretRequired = "ClientSecretRequired";
        public const string ProxyCredentialsRefused = "ProxyCredentialsRefused";

        /// <summary>The stable error id of the one error record a stop writes.</summary>
        public static string ErrorId(StopCause cause)
        {
            switch (cause)
            {
                case StopCause.DailyEmailLimit: return DailyEmailLimitReached;
                case StopCause.Forbidden: return PoolAccessForbidden;
                case StopCause.AppClientNotFound: return AppClientNotFound;
                case StopCause.ClientSecretRequired: return ClientSecretRequired;
                case StopCause.ProxyCredentialsRefused: return ProxyCredentialsRefused;
                default: return PoolConfigurationError;
            }
        }

        /// <summary>
        /// The category (by ErrorCategory's name) of the stop's error record: one per error id, so scripts can rely on
        /// the pair. Every pool setting that makes the operation impossible is InvalidOperation; the message and the
        /// Cognito error code say which setting.
        /// </summary>
        public static ErrorClassification Category(StopCause cause) => CategoryOf(ErrorId(cause));

        /// <summary>The category of a stop error id, or NotSpecified for an id that is not a stop's.</summary>
        public static ErrorClassification CategoryOf(string errorId)
        {
            switch (errorId)
            {
                case DailyEmailLimitReached: return ErrorClassification.LimitsExceeded;
                case PoolConfigurationError: return ErrorClassification.InvalidOperation;
                case PoolAccessForbidden: return ErrorClassification.PermissionDenied;
                case AppClientNotFound: return ErrorClassification.ObjectNotFound;
                case ClientSecretRequired: return ErrorClassification.InvalidArgument;
                case ProxyCredentialsRefused: return ErrorClassification.PermissionDenied;
                default: return ErrorClassification.NotSpecified;
            }
        }

        /// <summary>The cause in words.</summary>
        public static string Describe(StopCause cause)
        {
            switch (cause)
            {
                case StopCause.DailyEmailLimit:
                    return "the AWS account reached Cognito's daily e-mail limit (a pool that sends with Cognito's default e-mail gets 50 messages a day per account and Region; the count resets at 09:00 UTC)";
                case StopCause.MessagingRole:
                    return "the user pool's e-mail or SMS role cannot be used (its access policy or trust relationship is wrong)";
                case StopCause.LambdaTrigger:
                    return "a Lambda trigger of the user pool (for example the custom message trigger) fails or answers wrongly";
                case StopCause.CodeDelivery:
                    return "the user pool cannot deliver codes (its e-mail or SMS sending fails)";
                case StopCause.AutoVerificationOff:
                    return "the user pool does not verify e-mail addresses or phone numbers automatically, so there is no code to resend";
                case StopCause.OperationNotEnabled:
                    return "the operation is not enabled for this user pool at this endpoint (for example a replica Region)";
                case StopCause.Forbidden:
                    return "a WAF web ACL associated with the user pool blocked the requests (HTTP 403)";
                case StopCause.AppClientNotFound:
                    return "the app client or its user pool does not exist at this endpoint";
                case StopCause.ClientSecretRequired:
                    return "the app client has a secret, but the requests carried no SecretHash";
                case StopCause.ProxyCredentialsRefused:
                    return "the proxy refused the credentials (HTTP 407 Proxy Authentication Required), so no request reached Cognito";
                default:
                    return "Cognito refused every request of this scope";
            }
        }

        /// <summary>
        /// The recommended action of one failed row's own error record when its answer is scope-wide
        /// (<see cref="StopClassifier"/>: the daily e-mail limit, a pool setting, a proxy's refusal): the cause's fix
        /// and how to resend, rather than advice for the error code's per-row meaning (the per-user "Attempt limit
        /// exceeded" is a LimitExceededException too). Null for every other failure.
        /// </summary>
        public static string RowAction(Exception error)
        {
            var verdict = StopClassifier.Classify(error);
            if (verdict.Reach != ErrorReach.Scope) return null;
            return Fix(verdict.Cause) + " Then resend the rows that failed: Get-CGIPHistory -Failed | Send-CGIPConfirmationCode, or run the same command again with its -JournalPath.";
        }

        /// <summary>What to change before resuming.</summary>
        public static string Fix(StopCause cause)
        {
            switch (cause)
            {
                case StopCause.DailyEmailLimit:
                    return "Configure the user pool to send e-mail through Amazon SES (its limits are yours to raise), or resume after 09:00 UTC when the count resets.";
                case StopCause.MessagingRole:
                    return "Fix the IAM role the user pool uses for SMS or e-mail (its trust relationship must allow cognito-idp.amazonaws.com with the pool's external id; its policy must allow sns:Publish or ses:SendEmail).";
                case StopCause.LambdaTrigger:
                    return "Check the user pool's Lambda triggers (custom message, pre sign-up): their logs, permissions, time-out and answer format.";
                case StopCause.CodeDelivery:
                    return "Check the user pool's message configuration (SES identity and sending limits, SNS spend limit and sandbox, origination numbers).";
                case StopCause.AutoVerificationOff:
                    return "Turn on automatic verification of e-mail or phone number (AutoVerifiedAttributes) for the user pool.";
                case StopCause.OperationNotEnabled:
                    return "Send to the user pool's primary Region (-Region or -EndpointUrl), or enable the operation for the pool.";
                case StopCause.Forbidden:
                    return "Ask whoever manages the user pool's AWS WAF web ACL to allow these requests (this address, rate and user agent).";
                case StopCause.AppClientNotFound:
                    return "Check -ClientId and the Region or -EndpointUrl: the app client must exist in a user pool there.";
                case StopCause.ClientSecretRequired:
                    return "Pass the app client's secret with -ClientSecret (or a SecretHash column).";
                case StopCause.ProxyCredentialsRefused:
                    return "Correct the proxy's user name and password in HTTPS_PROXY/HTTP_PROXY (http://user:password@proxy:port, special characters percent-encoded), or ask the proxy's administrator.";
                default:
                    return "Fix the user pool's configuration.";
            }
        }
    }
}
