using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using CognitoTools.TestEndpoint.Http;

namespace CognitoTools.TestEndpoint
{
    /// <summary>A code the fake "sent": what Cognito would have e-mailed or texted.</summary>
    public sealed class FakeDelivery
    {
        public string ClientId { get; internal set; }
        public string Username { get; internal set; }
        public string AttributeName { get; internal set; }
        public string DeliveryMedium { get; internal set; }
        /// <summary>Masked, as returned to the caller.</summary>
        public string Destination { get; internal set; }
        /// <summary>Time on the service's Clock.</summary>
        public DateTimeOffset At { get; internal set; }
        public IReadOnlyDictionary<string, string> ClientMetadata { get; internal set; }
    }

    /// <summary>
    /// A stand-in for Amazon Cognito's ResendConfirmationCode (awsJson1.1) on 127.0.0.1: app clients with and
    /// without secrets, users with status and e-mail/phone, Cognito's own answers and error messages, the
    /// 5-resends-per-hour limit, a request-rate quota, PreventUserExistenceErrors, and injectable faults.
    /// Everything is thread-safe and may be changed while requests are being served.
    /// </summary>
    public sealed class FakeCognitoService : IDisposable
    {
        public const string OperationTarget = "AWSCognitoIdentityProviderService.ResendConfirmationCode";
        public const string JsonContentType = "application/x-amz-json-1.1";
        /// <summary>What Cognito appends to the code in x-amzn-ErrorType.</summary>
        public const string ErrorTypeSuffix = ":http://internal.amazon.com/coral/com.amazonaws.swbup.service/";
        public const string DefaultPoolId = "us-east-1_FakePool1";

        public const string DemoClientId = "demoappclient1";
        public const string DemoSecretClientId = "secretclient1";
        /// <summary>A test-only secret of the demo pool; it protects nothing.</summary>
        public const string DemoClientSecret = "demosecret1234567890abcdefghijklmnopqrstuvwxyz12345";
        /// <summary>The case-sensitive pool of <see cref="SeedCaseSensitivePool"/> and its app client (no secret).</summary>
        public const string CaseSensitivePoolId = "us-east-1_FakeCaseSens";
        public const string CaseSensitiveClientId = "casesensitiveclient1";

        private readonly LocalHttpServer _server;
        private readonly ConcurrentDictionary<string, FakeAppClient> _clients = new ConcurrentDictionary<string, FakeAppClient>(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, FakeUserPool> _pools = new ConcurrentDictionary<string, FakeUserPool>(StringComparer.Ordinal);
        private readonly ConcurrentQueue<FakeDelivery> _deliveries = new ConcurrentQueue<FakeDelivery>();
        private readonly ConcurrentQueue<long> _requestTimestamps = new ConcurrentQueue<long>();
        private readonly ConcurrentDictionary<string, int> _attemptsByUser = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, int> _deliveriesByUser = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, ResendRequestData> _lastRequestByUser = new ConcurrentDictionary<string, ResendRequestData>(StringComparer.Ordinal);
        private readonly long _startTimestamp = Stopwatch.GetTimestamp();

        private int _requestCount;
        private int _deliveryCount;
        private int _simulatedDeliveryCount;
        private int _throttledCount;
        private long _addedLatencyTicks;
        private int _resendLimitPerHour = 5;
        private TokenBucket _rateLimiter;
        private volatile bool _recordRequests = true;
        private Func<DateTimeOffset> _clock = () => DateTimeOffset.UtcNow;

        public FakeCognitoService(int port = 0)
        {
            _server = new LocalHttpServer(Handle, port);
            DefaultPool = AddPool(DefaultPoolId);
        }

        /// <summary>Creates and starts a service (port 0 = ephemeral); add clients and users afterwards or before requests arrive.</summary>
        public static FakeCognitoService StartNew(int port = 0) => new FakeCognitoService(port).Start();

        public FakeCognitoService Start()
        {
            _server.Start();
            return this;
        }

        public LocalHttpServer Server => _server;
        public Uri BaseUri => _server.BaseUri;
        public int Port => _server.Port;
        /// <summary>The endpoint URL to give a client, e.g. http://127.0.0.1:5057/.</summary>
        public string EndpointUrl => _server.BaseUri?.ToString();

        // ---- state -------------------------------------------------------------------------------------------

        public FakeUserPool DefaultPool { get; }
        public IReadOnlyCollection<FakeUserPool> Pools => (IReadOnlyCollection<FakeUserPool>)_pools.Values;
        public IReadOnlyCollection<FakeAppClient> Clients => (IReadOnlyCollection<FakeAppClient>)_clients.Values;

        public FakeUserPool AddPool(string poolId, bool caseSensitiveUsernames = false)
            => _pools.GetOrAdd(poolId, id => new FakeUserPool(this, id, caseSensitiveUsernames));

        /// <summary>Adds an app client to the default pool.</summary>
        public FakeAppClient AddClient(string clientId, string clientSecret = null, bool preventUserExistenceErrors = false)
            => DefaultPool.AddClient(clientId, clientSecret, preventUserExistenceErrors);

        /// <summary>Adds a user to the default pool.</summary>
        public FakeUser AddUser(string username, string email = null, string phoneNumber = null,
            FakeUserStatus status = FakeUserStatus.Unconfirmed, string deliveryAttribute = null)
            => DefaultPool.AddUser(username, email, phoneNumber, status, deliveryAttribute);

        public FakeAppClient FindClient(string clientId) => clientId != null && _clients.TryGetValue(clientId, out var c) ? c : null;

        public bool RemoveClient(string clientId) => _clients.TryRemove(clientId, out _);

        internal FakeAppClient RegisterClient(FakeUserPool pool, string clientId, string clientSecret, bool preventUserExistenceErrors)
        {
            if (string.IsNullOrEmpty(clientId)) throw new ArgumentException("A client id is required.", nameof(clientId));
            var client = new FakeAppClient(pool, clientId, clientSecret, preventUserExistenceErrors);
            _clients[clientId] = client;
            return client;
        }

        /// <summary>
        /// The demo pool: clients demoappclient1 (no secret) and secretclient1 (secret <see cref="DemoClientSecret"/>);
        /// users ann, bob, carol (unconfirmed, e-mail), dave (unconfirmed, phone), erin (confirmed).
        /// </summary>
        public FakeCognitoService SeedDemoPool(bool preventUserExistenceErrors = false)
        {
            AddClient(DemoClientId, null, preventUserExistenceErrors);
            AddClient(DemoSecretClientId, DemoClientSecret, preventUserExistenceErrors);
            AddUser("ann", email: "ann@example.com");
            AddUser("bob", email: "bob@example.org");
            AddUser("carol", email: "carol.jones@mail.example.net");
            AddUser("dave", phoneNumber: "+15555550123");
            AddUser("erin", email: "erin@example.com", status: FakeUserStatus.Confirmed);
            return this;
        }

        /// <summary>
        /// A second pool that compares usernames case-sensitively (UsernameConfiguration.CaseSensitive true, the
        /// default for pools created through the API), with client casesensitiveclient1 (no secret) and three users:
        /// jane (jane@example.com), JANE (UPPER.jane@sample.org, another user) and phil (phil@example.net).
        /// </summary>
        public FakeCognitoService SeedCaseSensitivePool()
        {
            var pool = AddPool(CaseSensitivePoolId, caseSensitiveUsernames: true);
            pool.AddClient(CaseSensitiveClientId);
            pool.AddUser("jane", email: "jane@example.com");
            pool.AddUser("JANE", email: "UPPER.jane@sample.org");
            pool.AddUser("phil", email: "phil@example.net");
            return this;
        }

        /// <summary>Adds user0001..userN (unconfirmed, e-mail userNNNN@example.com) to the default pool.</summary>
        public FakeCognitoService SeedUsers(int count, string prefix = "user")
        {
            var digits = SeedDigits(count);
            for (var i = 1; i <= count; i++)
            {
                var name = SeededUsername(i, digits, prefix);
                AddUser(name, email: name + "@example.com");
            }
            return this;
        }

        /// <summary>The zero-padding of <see cref="SeedUsers"/>' names for this many users: at least 4 digits.</summary>
        public static int SeedDigits(int count) => Math.Max(4, count.ToString(System.Globalization.CultureInfo.InvariantCulture).Length);

        /// <summary>The i-th (1-based) name <see cref="SeedUsers"/> adds, padded to this many digits.</summary>
        public static string SeededUsername(int i, int digits, string prefix = "user")
            => prefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(digits, '0');

        // ---- behaviour ---------------------------------------------------------------------------------------

        /// <summary>Added to every answer (the network and service time a benchmark wants to simulate).</summary>
        public TimeSpan AddedLatency
        {
            get => TimeSpan.FromTicks(Interlocked.Read(ref _addedLatencyTicks));
            set => Interlocked.Exchange(ref _addedLatencyTicks, value.Ticks);
        }

        /// <summary>Resends per user per hour before LimitExceededException (Cognito: 5). 0 = no limit.</summary>
        public int ResendLimitPerHour
        {
            get => Volatile.Read(ref _resendLimitPerHour);
            set => Volatile.Write(ref _resendLimitPerHour, value);
        }

        /// <summary>Requests per second before TooManyRequestsException "Rate exceeded"; 0 = off (default).</summary>
        public double RateLimitPerSecond => Volatile.Read(ref _rateLimiter)?.RatePerSecond ?? 0;

        /// <summary>Sets the request-rate quota: a token bucket of <paramref name="burst"/> tokens (default: one second's worth) refilled at <paramref name="requestsPerSecond"/>; 0 turns it off.</summary>
        public void SetRateLimit(double requestsPerSecond, double burst = 0)
        {
            Volatile.Write(ref _rateLimiter, requestsPerSecond > 0 ? new TokenBucket(requestsPerSecond, burst) : null);
        }

        /// <summary>Status of TooManyRequestsException: 400 as Cognito sends it (default), or e.g. 429.</summary>
        public int ThrottleStatusCode { get; set; } = 400;

        /// <summary>Switch between 429 and Cognito's 400 for TooManyRequestsException.</summary>
        public bool ThrottleWith429
        {
            get => ThrottleStatusCode == 429;
            set => ThrottleStatusCode = value ? 429 : 400;
        }

        /// <summary>The time the hourly limit is measured on; replace it to test the limit without waiting.</summary>
        public Func<DateTimeOffset> Clock
        {
            get => Volatile.Read(ref _clock);
            set => Volatile.Write(ref _clock, value ?? (() => DateTimeOffset.UtcNow));
        }

        public FaultInjector Faults { get; } = new FaultInjector();

        /// <summary>The account's daily e-mail limit and per-client pool faults (issue 13); routes POST /_test/next-day and /_test/client-fault.</summary>
        public AccountLimits Limits { get; } = new AccountLimits();

        /// <summary>
        /// Keep requests, request times, deliveries and per-user counts (default true). Turn off for long benchmark
        /// runs so memory stays flat; the plain counters keep counting.
        /// </summary>
        public bool RecordRequests
        {
            get => _recordRequests;
            set { _recordRequests = value; _server.RecordRequests = value; }
        }

        /// <summary>Receives one line per request when set (the standalone endpoint's --verbose). Never includes secrets.</summary>
        public Action<string> Log { get; set; }

        // ---- counters ----------------------------------------------------------------------------------------

        /// <summary>Requests received, whatever their outcome.</summary>
        public int RequestCount => Volatile.Read(ref _requestCount);
        /// <summary>Codes delivered to existing users.</summary>
        public int DeliveryCount => Volatile.Read(ref _deliveryCount);
        /// <summary>Plausible answers given for unknown users under PreventUserExistenceErrors.</summary>
        public int SimulatedDeliveryCount => Volatile.Read(ref _simulatedDeliveryCount);
        public IReadOnlyList<FakeDelivery> Deliveries => _deliveries.ToArray();

        /// <summary>When each request arrived, as time since the service was created (monotonic clock).</summary>
        public IReadOnlyList<TimeSpan> RequestTimes
        {
            get
            {
                var stamps = _requestTimestamps.ToArray();
                var result = new TimeSpan[stamps.Length];
                for (var i = 0; i < stamps.Length; i++) result[i] = ElapsedSinceStart(stamps[i]);
                Array.Sort(result);
                return result;
            }
        }

        /// <summary>Requests counted per whole second, starting at the first request's second.</summary>
        public IReadOnlyList<int> RequestsPerSecond()
        {
            var times = RequestTimes;
            if (times.Count == 0) return Array.Empty<int>();
            var first = (long)Math.Floor(times[0].TotalSeconds);
            var last = (long)Math.Floor(times[times.Count - 1].TotalSeconds);
            var counts = new int[last - first + 1];
            foreach (var t in times) counts[(long)Math.Floor(t.TotalSeconds) - first]++;
            return counts;
        }

        /// <summary>The largest number of requests that arrived within any window of this length (sliding).</summary>
        public int MaxRequestsInWindow(TimeSpan window) => MaxInWindow(RequestTimes, window);

        /// <summary>The most of these times (in any order) that fall within any window of this length (sliding).</summary>
        public static int MaxInWindow(IReadOnlyList<TimeSpan> times, TimeSpan window)
        {
            var sorted = times.OrderBy(t => t).ToArray();
            var max = 0;
            var start = 0;
            for (var end = 0; end < sorted.Length; end++)
            {
                while (sorted[end] - sorted[start] >= window) start++;
                max = Math.Max(max, end - start + 1);
            }
            return max;
        }

        /// <summary>Requests that named this username (exactly as sent), whatever their outcome.</summary>
        public int AttemptsFor(string username) => username != null && _attemptsByUser.TryGetValue(username, out var n) ? n : 0;

        /// <summary>Codes delivered to this user (by the pool's user name).</summary>
        public int DeliveriesFor(string username) => username != null && _deliveriesByUser.TryGetValue(username, out var n) ? n : 0;

        public IReadOnlyDictionary<string, int> AttemptsByUser => new Dictionary<string, int>(_attemptsByUser, StringComparer.Ordinal);

        /// <summary>Forgets recorded requests, times, deliveries and counts, and every user's hourly limit.</summary>
        public void ResetCounters()
        {
            Interlocked.Exchange(ref _requestCount, 0);
            Interlocked.Exchange(ref _deliveryCount, 0);
            Interlocked.Exchange(ref _simulatedDeliveryCount, 0);
            Interlocked.Exchange(ref _throttledCount, 0);
            _server.ResetConnectionCounters();
            while (_deliveries.TryDequeue(out _)) { }
            while (_requestTimestamps.TryDequeue(out _)) { }
            _attemptsByUser.Clear();
            _deliveriesByUser.Clear();
            _lastRequestByUser.Clear();
            _server.ClearRequests();
            foreach (var pool in _pools.Values) foreach (var user in pool.Users) user.ResetLimit();
            Limits.ResetCounters();
        }

        private TimeSpan ElapsedSinceStart(long timestamp)
            => TimeSpan.FromTicks((long)((timestamp - _startTimestamp) * ((double)TimeSpan.TicksPerSecond / Stopwatch.Frequency)));

        // ---- test routes: GET /_test/stats, POST /_test/reset ------------------------------------------------

        public const string TestRoutePrefix = "/_test/";

        /// <summary>Answers of TooManyRequestsException (the rate limit's and injected ones).</summary>
        public int ThrottledCount => Volatile.Read(ref _throttledCount);

        private ResponseAction Throttled(int status, string code, string message, string requestId)
        {
            Interlocked.Increment(ref _throttledCount);
            return Error(status, code, message, requestId);
        }

        private ResponseAction HandleTestRoute(RecordedRequest request)
        {
            switch (request.Method + " " + request.Path)
            {
                case "GET /_test/stats":
                    return ResponseAction.Json(200, StatsJson(), "application/json");
                case "POST /_test/reset":
                    ResetCounters();
                    return ResponseAction.Json(200, "{}", "application/json");
                case ArrivalTimes.Route:
                    return ResponseAction.Json(200, this.ArrivalsJson(), "application/json");
                default:
                    return Limits.HandleRoute(request.Method, request.Path) ?? ResponseAction.Json(404, "{\"message\":\"Test routes: GET /_test/stats, GET /_test/arrivals, POST /_test/reset, POST /_test/next-day, POST /_test/client-fault.\"}", "application/json");
            }
        }

        /// <summary>
        /// The counters as JSON: Requests, Deliveries, Throttled, Connections (accepted), MaxOpenConnections, and, when
        /// requests are recorded (the standalone endpoint's --record), AttemptsByUser, DeliveriesByUser,
        /// LastRequestByUser (the optional members of each user's latest request, so a test in another process can see
        /// what reached the server; the SecretHash only as SecretHashSent) and RequestsPerSecond (per whole second from
        /// the first request).
        /// </summary>
        public string StatsJson()
        {
            var json = new StringBuilder(256);
            json.Append("{\"Requests\":").Append(RequestCount)
                .Append(",\"Deliveries\":").Append(DeliveryCount)
                .Append(",\"SimulatedDeliveries\":").Append(SimulatedDeliveryCount)
                .Append(",\"Throttled\":").Append(ThrottledCount)
                .Append(",\"Connections\":").Append(_server.ConnectionCount)
                .Append(",\"MaxOpenConnections\":").Append(_server.MaxOpenConnections)
                .Append(",\"Recording\":").Append(_recordRequests ? "true" : "false");
            AppendCounts(json, "AttemptsByUser", _attemptsByUser);
            AppendCounts(json, "DeliveriesByUser", _deliveriesByUser);
            AppendLastRequests(json);
            Limits.AppendStats(json);
            json.Append(",\"RequestsPerSecond\":[").Append(string.Join(",", RequestsPerSecond())).Append("]}");
            return json.ToString();
        }

        private static void AppendCounts(StringBuilder json, string name, ConcurrentDictionary<string, int> counts)
        {
            json.Append(",\"").Append(name).Append("\":{");
            var first = true;
            // ConcurrentDictionary.ToArray is an atomic snapshot; LINQ over it directly can race with writers (Count, then CopyTo).
            foreach (var pair in counts.ToArray().OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                if (!first) json.Append(',');
                first = false;
                json.Append('"').Append(JsonEscape(pair.Key)).Append("\":").Append(pair.Value);
            }
            json.Append('}');
        }

        /// <summary>Each user's latest request in AWS's field names; null members are left out.</summary>
        private void AppendLastRequests(StringBuilder json)
        {
            json.Append(",\"LastRequestByUser\":{");
            var first = true;
            foreach (var pair in _lastRequestByUser.ToArray().OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                if (!first) json.Append(',');
                first = false;
                var data = pair.Value;
                json.Append('"').Append(JsonEscape(pair.Key)).Append("\":{\"SecretHashSent\":").Append(data.SecretHash != null ? "true" : "false");
                AppendMember(json, "ClientId", data.ClientId);
                if (data.AnalyticsEndpointId != null)
                {
                    json.Append(",\"AnalyticsMetadata\":{\"AnalyticsEndpointId\":\"").Append(JsonEscape(data.AnalyticsEndpointId)).Append("\"}");
                }
                if (data.UserContextIpAddress != null || data.UserContextEncodedData != null)
                {
                    json.Append(",\"UserContextData\":{");
                    var inner = new StringBuilder();
                    AppendMember(inner, "IpAddress", data.UserContextIpAddress);
                    AppendMember(inner, "EncodedData", data.UserContextEncodedData);
                    json.Append(inner.ToString(1, inner.Length - 1)).Append('}');
                }
                if (data.ClientMetadata != null)
                {
                    json.Append(",\"ClientMetadata\":{");
                    var inner = new StringBuilder();
                    foreach (var entry in data.ClientMetadata.OrderBy(e => e.Key, StringComparer.Ordinal)) AppendMember(inner, entry.Key, entry.Value);
                    if (inner.Length > 0) json.Append(inner.ToString(1, inner.Length - 1));
                    json.Append('}');
                }
                json.Append('}');
            }
            json.Append('}');
        }

        /// <summary>Appends ,"name":"value" (escaped) unless the value is null.</summary>
        private static void AppendMember(StringBuilder json, string name, string value)
        {
            if (value == null) return;
            json.Append(",\"").Append(JsonEscape(name)).Append("\":\"").Append(JsonEscape(value)).Append('"');
        }

        // ---- protocol ----------------------------------------------------------------------------------------

        /// <summary>Base64(HMAC-SHA256(key: client secret, message: username + client id)).</summary>
        public static string ComputeSecretHash(string clientSecret, string username, string clientId)
        {
            using (var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(clientSecret)))
            {
                return Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(username + clientId)));
            }
        }

        private ResponseAction Handle(RecordedRequest request)
        {
            // Test-only routes (never counted as requests): what the server saw, for tests in other processes.
            if (request.Path != null && request.Path.StartsWith(TestRoutePrefix, StringComparison.Ordinal)) return HandleTestRoute(request);
            Interlocked.Increment(ref _requestCount);
            var recording = _recordRequests;
            if (recording) _requestTimestamps.Enqueue(Stopwatch.GetTimestamp());
            var requestId = Guid.NewGuid().ToString();

            ResendRequestData data = null;
            string serializationError = null;
            var protocolError = CheckProtocol(request, requestId);
            if (protocolError == null) data = ResendRequestParser.Parse(request.Body, out serializationError);
            var username = data?.Username;
            if (recording && username != null)
            {
                _attemptsByUser.AddOrUpdate(username, 1, (_, n) => n + 1);
                _lastRequestByUser[username] = data;
            }

            var fault = Faults.Next(username);
            ResponseAction response;
            if (fault != null && !fault.Processed)
            {
                response = CannedFaultResponse(fault, requestId, username);
            }
            else
            {
                response = protocolError
                    ?? (data == null ? FrameworkError(400, "SerializationException", serializationError, requestId, capitalMessage: true) : Process(data, requestId));
                if (fault != null) response = SpoilResponse(fault, response, requestId);
            }
            if (fault != null) AddFaultHeaders(fault, response);

            var latency = Interlocked.Read(ref _addedLatencyTicks);
            if (latency > 0) response.Delay += TimeSpan.FromTicks(latency);

            var log = Log;
            if (log != null)
            {
                log(request.Method + " " + request.Path + " user=" + (username ?? "-") + " client=" + (data?.ClientId ?? "-")
                    + " -> " + (response.DropConnection ? "dropped" : response.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture))
                    + (fault != null ? " fault=" + fault : string.Empty) + " id=" + requestId);
            }
            return response;
        }

        private static ResponseAction CheckProtocol(RecordedRequest request, string requestId)
        {
            if (!string.Equals(request.Method, "POST", StringComparison.Ordinal))
                return FrameworkError(404, "UnknownOperationException", "Only POST / is supported.", requestId);
            var target = request.Header("X-Amz-Target");
            if (!string.Equals(target, OperationTarget, StringComparison.Ordinal))
                return FrameworkError(400, "UnknownOperationException", null, requestId);
            var contentType = request.Header("Content-Type");
            var mediaType = contentType == null ? null : contentType.Split(';')[0].Trim();
            if (!string.Equals(mediaType, JsonContentType, StringComparison.OrdinalIgnoreCase))
                return FrameworkError(400, "UnknownOperationException", "Content-Type must be " + JsonContentType + ".", requestId);
            return null;
        }

        private ResponseAction Process(ResendRequestData data, string requestId)
        {
            var limiter = Volatile.Read(ref _rateLimiter);
            if (limiter != null && !limiter.TryTake())
                return Throttled(ThrottleStatusCode, "TooManyRequestsException", "Rate exceeded", requestId);

            var validationError = ResendRequestParser.Validate(data);
            if (validationError != null) return Error(400, "InvalidParameterException", validationError, requestId);

            var poolFault = Limits.OnRequest(data.ClientId, requestId);
            if (poolFault != null) return poolFault;

            var client = FindClient(data.ClientId);
            if (client == null)
                return Error(400, "ResourceNotFoundException", "User pool client " + data.ClientId + " does not exist.", requestId);

            if (client.ClientSecret != null)
            {
                var expected = ComputeSecretHash(client.ClientSecret, data.Username, client.ClientId);
                if (data.SecretHash == null || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(data.SecretHash)))
                    return Error(400, "NotAuthorizedException", "Unable to verify secret hash for client " + client.ClientId, requestId);
            }

            var user = client.Pool.FindUser(data.Username);
            if (user == null)
            {
                if (!client.PreventUserExistenceErrors)
                    return Error(400, "UserNotFoundException", "Username/client id combination not found.", requestId);
                Interlocked.Increment(ref _simulatedDeliveryCount);
                return Success("email", "EMAIL", DestinationMasking.PlausibleEmailFor(data.Username), requestId);
            }

            if (user.Status == FakeUserStatus.Confirmed)
                return Error(400, "InvalidParameterException", "User is already confirmed.", requestId);

            var attribute = user.EffectiveDeliveryAttribute;
            string medium, destination;
            if (attribute == "email" && !string.IsNullOrEmpty(user.Email)) { medium = "EMAIL"; destination = DestinationMasking.MaskEmail(user.Email); }
            else if (attribute == "phone_number" && !string.IsNullOrEmpty(user.PhoneNumber)) { medium = "SMS"; destination = DestinationMasking.MaskPhone(user.PhoneNumber); }
            else return Error(400, "InvalidParameterException", "Cannot resend codes. Auto verification not turned on.", requestId);

            var now = Clock();
            var email = medium == "EMAIL";
            if (email && !Limits.TryTakeEmail()) return Limits.DailyLimitAnswer(requestId);
            if (!user.TryRecordDelivery(now, ResendLimitPerHour))
            {
                if (email) Limits.ReturnEmail();
                return Error(400, "LimitExceededException", "Attempt limit exceeded, please try after some time.", requestId);
            }

            Interlocked.Increment(ref _deliveryCount);
            if (_recordRequests)
            {
                _deliveriesByUser.AddOrUpdate(user.Username, 1, (_, n) => n + 1);
                _deliveries.Enqueue(new FakeDelivery
                {
                    ClientId = client.ClientId, Username = user.Username, AttributeName = attribute, DeliveryMedium = medium,
                    Destination = destination, At = now, ClientMetadata = data.ClientMetadata,
                });
            }
            return Success(attribute, medium, destination, requestId);
        }

        private static ResponseAction Success(string attributeName, string medium, string destination, string requestId)
        {
            var json = SuccessJson(attributeName, medium, destination);
            return ResponseAction.Json(200, json).WithHeader("x-amzn-RequestId", requestId);
        }

        private static string SuccessJson(string attributeName, string medium, string destination)
            => "{\"CodeDeliveryDetails\":{\"AttributeName\":\"" + attributeName + "\",\"DeliveryMedium\":\"" + medium
               + "\",\"Destination\":\"" + JsonEscape(destination) + "\"}}";

        /// <summary>A Cognito error answer: x-amzn-ErrorType header and {"__type","message"} body.</summary>
        public static ResponseAction Error(int status, string code, string message, string requestId = null)
        {
            var json = message == null
                ? "{\"__type\":\"" + code + "\"}"
                : "{\"__type\":\"" + code + "\",\"message\":\"" + JsonEscape(message) + "\"}";
            return ResponseAction.Json(status, json)
                .WithHeader("x-amzn-RequestId", requestId ?? Guid.NewGuid().ToString())
                .WithHeader("x-amzn-ErrorType", code + ErrorTypeSuffix);
        }

        /// <summary>
        /// An error from AWS's service framework rather than from Cognito (unknown operation, unreadable body): these
        /// come with a namespaced __type (com.amazon.coral.service#...), and SerializationException with "Message",
        /// so clients must sanitise the code as Smithy specifies and accept either spelling of the message member.
        /// </summary>
        private static ResponseAction FrameworkError(int status, string code, string message, string requestId, bool capitalMessage = false)
        {
            var json = "{\"__type\":\"com.amazon.coral.service#" + code + "\""
                + (message == null ? string.Empty : ",\"" + (capitalMessage ? "Message" : "message") + "\":\"" + JsonEscape(message) + "\"") + "}";
            return ResponseAction.Json(status, json)
                .WithHeader("x-amzn-RequestId", requestId)
                .WithHeader("x-amzn-ErrorType", code + ":http://internal.amazon.com/coral/com.amazon.coral.service/");
        }

        // ---- faults ------------------------------------------------------------------------------------------

        private const string HtmlPage = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n";
        private const string NonJsonText = "Service temporarily unavailable; this is not JSON.";

        private ResponseAction CannedFaultResponse(Fault fault, string requestId, string username)
        {
            switch (fault.Kind)
            {
                case FaultKind.ServerError:
                    var status = fault.StatusCode ?? 500;
                    if (fault.EmptyBody) return new ResponseAction { StatusCode = status }.WithHeader("x-amzn-RequestId", requestId);
                    return Error(status, "InternalErrorException", "Internal server error.", requestId);
                case FaultKind.Throttle:
                    return Throttled(fault.StatusCode ?? ThrottleStatusCode, "TooManyRequestsException", "Rate exceeded", requestId);
                case FaultKind.Drop:
                    return new ResponseAction { DropConnection = true, ResetConnection = fault.Reset };
                default:
                    // Malformed-answer kinds spoil what a successful answer would have looked like.
                    var plausible = Success("email", "EMAIL", DestinationMasking.PlausibleEmailFor(username ?? "user"), requestId);
                    return SpoilResponse(fault, plausible, requestId);
            }
        }

        private ResponseAction SpoilResponse(Fault fault, ResponseAction response, string requestId)
        {
            switch (fault.Kind)
            {
                case FaultKind.ServerError:
                case FaultKind.Throttle:
                case FaultKind.Drop:
                    return CannedFaultResponse(fault, requestId, null);
                case FaultKind.Slow:
                    response.Delay += fault.Delay;
                    return response;
                case FaultKind.CloseConnection:
                    response.CloseSilentlyAfterResponse = true;
                    return response;
                case FaultKind.TruncatedJson:
                    if (fault.StatusCode.HasValue) response.StatusCode = fault.StatusCode.Value;
                    response.TruncateBodyAt = response.Body.Length / 2;
                    return response;
                case FaultKind.Html:
                    return ReplaceBody(response, fault.StatusCode, "text/html", HtmlPage);
                case FaultKind.NonJson:
                    return ReplaceBody(response, fault.StatusCode, JsonContentType, NonJsonText);
                case FaultKind.WrongContentType:
                    SetHeader(response, "Content-Type", fault.ContentType);
                    return response;
                default:
                    return response;
            }
        }

        private static ResponseAction ReplaceBody(ResponseAction response, int? status, string contentType, string body)
        {
            if (status.HasValue) response.StatusCode = status.Value;
            response.Body = Encoding.UTF8.GetBytes(body);
            SetHeader(response, "Content-Type", contentType);
            response.Headers.RemoveAll(h => string.Equals(h.Key, "x-amzn-ErrorType", StringComparison.OrdinalIgnoreCase));
            return response;
        }

        private static void SetHeader(ResponseAction response, string name, string value)
        {
            response.Headers.RemoveAll(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase));
            response.WithHeader(name, value);
        }

        private static void AddFaultHeaders(Fault fault, ResponseAction response)
        {
            if (fault.RetryAfter != null) SetHeader(response, "Retry-After", fault.RetryAfter);
            foreach (var header in fault.ExtraHeaders) response.WithHeader(header.Key, header.Value);
        }

        private static string JsonEscape(string text)
        {
            if (text == null) return string.Empty;
            StringBuilder sb = null;
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (c >= 0x20 && c != '"' && c != '\\') { sb?.Append(c); continue; }
                if (sb == null) sb = new StringBuilder(text, 0, i, text.Length + 16);
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    default: sb.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture)); break;
                }
            }
            return sb?.ToString() ?? text;
        }

        public void Dispose() => _server.Dispose();
    }
}
