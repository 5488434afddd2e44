using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using CognitoTools.TestEndpoint.Http;

namespace CognitoTools.TestEndpoint
{
    /// <summary>
    /// Cognito's hard stops (issue 13): the account's daily e-mail limit of COGNITO_DEFAULT e-mail (50 a day per
    /// account and Region, resetting at 09:00 UTC; here the whole endpoint is one account and the day turns on
    /// POST /_test/next-day), and per-client pool faults (a broken SMS role, a WAF ACL, ...: every request of that
    /// app client gets the same error). Also counts requests per app client for GET /_test/stats.
    /// </summary>
    public sealed class AccountLimits
    {
        public const string DailyEmailLimitMessage = "Exceeded daily email limit for the operation or the account. If a higher limit is required, please configure your user pool to use your own Amazon SES configuration for sending email.";

        /// <summary>The pool-wide errors --client-fault can inject, with the status and message Cognito answers them with ({0}: the client id).</summary>
        public static readonly IReadOnlyDictionary<string, KeyValuePair<int, string>> PoolFaults = new Dictionary<string, KeyValuePair<int, string>>(StringComparer.Ordinal)
        {
            ["InvalidSmsRoleTrustRelationshipException"] = new KeyValuePair<int, string>(400, "Role arn:aws:iam::123456789012:role/CognitoSms does not have a trust relationship allowing Cognito to assume the role."),
            ["InvalidSmsRoleAccessPolicyException"] = new KeyValuePair<int, string>(400, "Role does not have permission to publish with SNS."),
            ["InvalidEmailRoleAccessPolicyException"] = new KeyValuePair<int, string>(400, "Cognito is not allowed to use your email identity."),
            ["InvalidLambdaResponseException"] = new KeyValuePair<int, string>(400, "Invalid lambda response received from the CustomMessage trigger."),
            ["UnexpectedLambdaException"] = new KeyValuePair<int, string>(400, "CustomMessage failed with error Task timed out after 5.00 seconds."),
            ["CodeDeliveryFailureException"] = new KeyValuePair<int, string>(400, "Unable to deliver message."),
            ["ForbiddenException"] = new KeyValuePair<int, string>(403, "Request blocked by AWS WAF."),
            ["OperationNotEnabledException"] = new KeyValuePair<int, string>(400, "ResendConfirmationCode is not enabled in this replica Region."),
            ["ResourceNotFoundException"] = new KeyValuePair<int, string>(400, "User pool client {0} does not exist."),
            ["NotAuthorizedException"] = new KeyValuePair<int, string>(400, "Client {0} is configured for secret but secret was not received"),
            ["InvalidParameterException"] = new KeyValuePair<int, string>(400, "Cannot resend codes. Auto verification not turned on."),
            ["LimitExceededException"] = new KeyValuePair<int, string>(400, DailyEmailLimitMessage),
        };

        private readonly ConcurrentDictionary<string, string> _clientFaults = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, int> _requestsByClient = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        private int _dailyEmailLimit;
        private int _emailsToday;
        private int _day;
        private int _dailyLimitAnswers;
        private int _clientFaultAnswers;

        /// <summary>E-mail codes per day for the whole endpoint (the account); 0 = no limit.</summary>
        public int DailyEmailLimit
        {
            get => Volatile.Read(ref _dailyEmailLimit);
            set => Volatile.Write(ref _dailyEmailLimit, Math.Max(0, value));
        }

        public int EmailsToday => Volatile.Read(ref _emailsToday);
        public int Day => Volatile.Read(ref _day);
        public int DailyLimitAnswers => Volatile.Read(ref _dailyLimitAnswers);
        public int ClientFaultAnswers => Volatile.Read(ref _clientFaultAnswers);
        public int RequestsFor(string clientId) => clientId != null && _requestsByClient.TryGetValue(clientId, out var n) ? n : 0;

        /// <summary>Every request of this app client gets <paramref name="errorCode"/> (one of <see cref="PoolFaults"/>); null clears it.</summary>
        public void SetClientFault(string clientId, string errorCode)
        {
            if (string.IsNullOrEmpty(clientId)) throw new ArgumentException("A client fault needs a client id.");
            if (string.IsNullOrEmpty(errorCode))
            {
                _clientFaults.TryRemove(clientId, out _);
                return;
            }
            if (!PoolFaults.ContainsKey(errorCode))
                throw new ArgumentException("Unknown pool fault '" + errorCode + "'; known: " + string.Join(", ", PoolFaults.Keys) + ".");
            _clientFaults[clientId] = errorCode;
        }

        /// <summary>CLIENT=ErrorCode (the --client-fault option).</summary>
        public void SetClientFault(string spec)
        {
            var equals = spec?.IndexOf('=') ?? -1;
            if (equals <= 0 || equals == spec.Length - 1) throw new ArgumentException("--client-fault expects CLIENT=ErrorCode, not '" + spec + "'.");
            SetClientFault(spec.Substring(0, equals).Trim(), spec.Substring(equals + 1).Trim());
        }

        /// <summary>Every ResendConfirmationCode request that reaches processing: counted per client; the client's pool fault, or null.</summary>
        public ResponseAction OnRequest(string clientId, string requestId)
        {
            if (clientId == null) return null;
            _requestsByClient.AddOrUpdate(clientId, 1, (_, n) => n + 1);
            if (!_clientFaults.TryGetValue(clientId, out var code)) return null;
            Interlocked.Increment(ref _clientFaultAnswers);
            var answer = PoolFaults[code];
            return FakeCognitoService.Error(answer.Key, code, string.Format(CultureInfo.InvariantCulture, answer.Value, clientId), requestId);
        }

        /// <summary>Takes one of today's e-mails; false (and nothing taken) when the day's limit is reached.</summary>
        public bool TryTakeEmail()
        {
            while (true)
            {
                var limit = DailyEmailLimit;
                var sent = Volatile.Read(ref _emailsToday);
                if (limit > 0 && sent >= limit) return false;
                if (Interlocked.CompareExchange(ref _emailsToday, sent + 1, sent) == sent) return true;
            }
        }

        /// <summary>Gives back an e-mail taken for a request that then failed for another reason (the user's hourly limit).</summary>
        public void ReturnEmail() => Interlocked.Decrement(ref _emailsToday);

        /// <summary>Cognito's answer once the day's e-mails are used up.</summary>
        public ResponseAction DailyLimitAnswer(string requestId)
        {
            Interlocked.Increment(ref _dailyLimitAnswers);
            return FakeCognitoService.Error(400, "LimitExceededException", DailyEmailLimitMessage, requestId);
        }

        /// <summary>09:00 UTC: the day's e-mail count starts again (optionally with another limit, e.g. 0 after moving to SES).</summary>
        public void NextDay(int? newLimit = null)
        {
            Interlocked.Increment(ref _day);
            Interlocked.Exchange(ref _emailsToday, 0);
            if (newLimit.HasValue) DailyEmailLimit = newLimit.Value;
        }

        /// <summary>Forgets the request counts (not the day's e-mails: only the day turning resets those).</summary>
        public void ResetCounters()
        {
            _requestsByClient.Clear();
            Interlocked.Exchange(ref _dailyLimitAnswers, 0);
            Interlocked.Exchange(ref _clientFaultAnswers, 0);
        }

        /// <summary>
        /// POST /_test/next-day[?daily-email-limit=N] and POST /_test/client-fault?client=ID[&amp;error=CODE] (no error
        /// clears it); null for any other route.
        /// </summary>
        public ResponseAction HandleRoute(string method, string pathAndQuery)
        {
            if (!string.Equals(method, "POST", StringComparison.Ordinal) || pathAndQuery == null) return null;
            var question = pathAndQuery.IndexOf('?');
            var path = question < 0 ? pathAndQuery : pathAndQuery.Substring(0, question);
            var query = ParseQuery(question < 0 ? string.Empty : pathAndQuery.Substring(question + 1));
            try
            {
                switch (path)
                {
                    case "/_test/next-day":
                        int? limit = null;
                        if (query.TryGetValue("daily-email-limit", out var text))
                        {
                            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) || parsed < 0)
                                throw new ArgumentException("daily-email-limit must be a whole number >= 0.");
                            limit = parsed;
                        }
                        NextDay(limit);
                        return Ok();
                    case "/_test/client-fault":
                        query.TryGetValue("client", out var client);
                        query.TryGetValue("error", out var error);
                        SetClientFault(client, error);
                        return Ok();
                    default:
                        return null;
                }
            }
            catch (ArgumentException ex)
            {
                return ResponseAction.Json(400, "{\"message\":\"" + ex.Message.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"}", "application/json");
            }
        }

        private ResponseAction Ok() => ResponseAction.Json(200, "{\"Day\":" + Day + ",\"DailyEmailLimit\":" + DailyEmailLimit + "}", "application/json");

        private static Dictionary<string, string> ParseQuery(string query)
        {
            var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var pair in query.Split(new[] { '&' }, StringSplitOptions.RemoveEmptyEntries))
            {
                var equals = pair.IndexOf('=');
                var name = Uri.UnescapeDataString(equals < 0 ? pair : pair.Substring(0, equals));
                values[name] = equals < 0 ? string.Empty : Uri.UnescapeDataString(pair.Substring(equals + 1).Replace('+', ' '));
            }
            return values;
        }

        /// <summary>,"Day":n,"DailyEmailLimit":n,"EmailsToday":n,"DailyLimitAnswers":n,"ClientFaultAnswers":n,"RequestsByClient":{...}</summary>
        public void AppendStats(StringBuilder json)
        {
            json.Append(",\"Day\":").Append(Day)
                .Append(",\"DailyEmailLimit\":").Append(DailyEmailLimit)
                .Append(",\"EmailsToday\":").Append(EmailsToday)
                .Append(",\"DailyLimitAnswers\":").Append(DailyLimitAnswers)
                .Append(",\"ClientFaultAnswers\":").Append(ClientFaultAnswers)
                .Append(",\"RequestsByClient\":{");
            var first = true;
            foreach (var pair in _requestsByClient.ToArray().OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                if (!first) json.Append(',');
                first = false;
                json.Append('"').Append(pair.Key.Replace("\\", "\\\\").Replace("\"", "\\\"")).Append("\":").Append(pair.Value);
            }
            json.Append('}');
        }
    }
}
