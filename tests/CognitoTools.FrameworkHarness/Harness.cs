using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Reflection;
using System.Threading;
using CognitoTools.Auth;
using CognitoTools.Bulk;
using CognitoTools.Model;
using CognitoTools.Protocol;

namespace CognitoTools.FrameworkHarness
{
    /// <summary>The checks, run once per handler path, each against a fresh endpoint process.</summary>
    internal static class Harness
    {
        private const string DemoClient = "demoappclient1";
        private const string SecretClient = "secretclient1";
        private const int BatchWidth = 16;
        // user0001..user0020 are for the single checks; the batch uses user0021 on.
        private const int FirstBatchUser = 21;
        private const string RetryAfter500User = "user0001";
        private const string RetryAfterDropUser = "user0002";
        private const string UnknownClientUser = "user0003";
        private const string NoSecretHashUser = "user0004";
        private const string ResendLimitUser = "user0005";
        private const int ResendLimitPerHour = 5; // the endpoint's default --resend-limit

        private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(20);

        /// <summary>
        /// Default: the handler the Core picks (SocketsHttpHandler, which Mono has). Framework: the .NET Framework
        /// handler path, forced by the test switch: an HttpClientHandler with the ServicePoint limit raised; Mono's
        /// HttpClientHandler sends through SocketsHttpHandler underneath. FrameworkOverWebRequest: the same, with Mono's
        /// HttpWebRequest transport underneath, which is how .NET Framework's HttpClientHandler sends, so the ServicePoint
        /// limit is the only thing that lets 16 connections open.
        /// </summary>
        private enum HandlerPath { Default, Framework, FrameworkOverWebRequest }

        public static void Run(HarnessOptions options, Report report)
        {
            report.Info("runtime: " + MonoVersion() + "; CLR " + Environment.Version + "; " + typeof(object).Assembly.Location);
            report.Check("load CognitoTools.Core (netstandard2.0) under Mono", CheckTimeout, () =>
            {
                var core = typeof(CognitoIdpClient).Assembly;
                var netstandard = Assembly.Load("netstandard, Version=2.0.0.0, Culture=neutral, PublicKeyToken=cc7b13ffcaf2ddd7");
                Report.Expect(core.GetReferencedAssemblies().Any(a => a.Name == "netstandard"), "the Core does not reference netstandard");
                return core.GetName().Name + " " + core.GetName().Version + " via " + netstandard.Location;
            });

            foreach (var path in new[] { HandlerPath.Default, HandlerPath.Framework, HandlerPath.FrameworkOverWebRequest })
            {
                RunPath(path, options, report);
            }
        }

        private static void RunPath(HandlerPath path, HarnessOptions options, Report report)
        {
            var tag = path == HandlerPath.Default ? "[default handler] " : path == HandlerPath.Framework ? "[framework handler] " : "[framework handler over HttpWebRequest] ";
            // Read by HttpHandlerFactory.Create on every client creation (test-only switch).
            AppContext.SetSwitch(HttpHandlerFactory.ForceFrameworkHandlerSwitch, path != HandlerPath.Default);

            EndpointProcess endpoint;
            var endpointOptions = new List<string>
            {
                "--seed-users", (FirstBatchUser - 1 + options.Users).ToString(CultureInfo.InvariantCulture),
                "--latency-ms", options.LatencyMs.ToString(CultureInfo.InvariantCulture),
                "--record",
                "--fault-user", RetryAfter500User + "=500",
                "--fault-user", RetryAfterDropUser + "=drop",
            };
            try { endpoint = EndpointProcess.Start(options.Dotnet, options.EndpointDll, endpointOptions, TimeSpan.FromSeconds(30)); }
            catch (Exception ex)
            {
                report.Fail(tag + "start the test endpoint", ex.Message);
                return;
            }
            using (endpoint)
            using (var stats = new StatsConnection(endpoint.Port, TimeSpan.FromSeconds(10)))
            {
                var url = endpoint.BaseUri;
                report.Info(tag + "endpoint " + url + " (dotnet " + options.EndpointDll + ")");

                // The batch first, while the stats connection is the only other connection the endpoint has seen.
                CheckBatch(tag, path, url, stats, options, report);
                if (path != HandlerPath.Default)
                {
                    report.Check(tag + "ServicePoint connection limit raised to at least " + BatchWidth, CheckTimeout, () =>
                    {
                        var limit = ServicePointManager.FindServicePoint(url).ConnectionLimit;
                        Report.Expect(limit >= BatchWidth, "ServicePoint(" + url + ").ConnectionLimit is " + limit);
                        return "ConnectionLimit " + limit + "; process default " + ServicePointManager.DefaultConnectionLimit;
                    });
                }

                if (path != HandlerPath.FrameworkOverWebRequest) CheckAssumeRole(tag, path, report);
                using (var client = NewClient(url, path, maxConnections: 64, maxAttempts: 3))
                {
                    CheckHandler(tag, path, client, report);
                    CheckSingleSend(tag, client, stats, report);
                    CheckErrorMapping(tag, path, client, url, stats, report);
                    CheckRetry(tag + "retry after a 500 (InternalErrorException)", RetryAfter500User, client, stats, report);
                    CheckRetry(tag + "retry after a dropped connection", RetryAfterDropUser, client, stats, report);
                }
            }
        }

        private static CognitoIdpClient NewClient(Uri url, HandlerPath path, int maxConnections, int maxAttempts)
        {
            var client = new CognitoIdpClient(new CognitoClientConfig
            {
                ServiceUrl = url,
                MaxAttempts = maxAttempts,
                ConnectTimeout = TimeSpan.FromSeconds(10),
                ReadTimeout = TimeSpan.FromSeconds(10),
                MaxConnectionsPerServer = maxConnections,
                // The endpoint is on loopback: a proxy from the environment must not take the requests elsewhere.
                Proxy = new WebProxy(),
            });
            if (path == HandlerPath.FrameworkOverWebRequest) UseWebRequestTransport(client.Handler);
            return client;
        }

        /// <summary>
        /// Mono's HttpClientHandler delegates to SocketsHttpHandler, where .NET Framework's sends through HttpWebRequest
        /// and its ServicePoint. Mono still has that transport (MonoWebRequestHandler, chosen only on Xamarin), so put
        /// it under the HttpClientHandler the Core built, before the first request, carrying over every setting the Core
        /// made. Its MaxConnectionsPerServer throws NotImplementedException (the Core ignores that, as it must on old
        /// .NET Framework), so only the ServicePoint limit the Core raises decides how many connections open.
        /// </summary>
        private static void UseWebRequestTransport(HttpMessageHandler handler)
        {
            var outer = handler as HttpClientHandler ?? throw new CheckFailedException("the handler is " + handler.GetType().FullName + ", not HttpClientHandler");
            var assembly = typeof(HttpClientHandler).Assembly;
            var field = typeof(HttpClientHandler).GetField("_delegatingHandler", BindingFlags.Instance | BindingFlags.NonPublic);
            var contract = assembly.GetType("System.Net.Http.IMonoHttpClientHandler");
            var webRequestType = assembly.GetType("System.Net.Http.MonoWebRequestHandler");
            if (field == null || contract == null || webRequestType == null)
                throw new CheckFailedException("this Mono's System.Net.Http has no MonoWebRequestHandler behind HttpClientHandler");
            var current = field.GetValue(outer);
            var webRequest = Activator.CreateInstance(webRequestType, nonPublic: true);
            foreach (var property in contract.GetProperties().Where(p => p.CanRead && p.CanWrite))
            {
                object value;
                try { value = property.GetValue(current); }
                catch (TargetInvocationException) { continue; } // not supported by the current transport: nothing set
                var fresh = SafeGet(property, webRequest);
                if (Equals(value, fresh)) continue;
                try { property.SetValue(webRequest, value); }
                catch (TargetInvocationException ex) when (ex.InnerException is NotImplementedException || ex.InnerException is PlatformNotSupportedException)
                {
                    // MaxConnectionsPerServer: the setting .NET Framework 4.6 lacks too; the ServicePoint limit stands in.
                }
            }
            field.SetValue(outer, webRequest);
        }

        private static object SafeGet(PropertyInfo property, object target)
        {
            try { return property.GetValue(target); }
            catch (TargetInvocationException) { return null; }
        }

        private static void CheckHandler(string tag, HandlerPath path, CognitoIdpClient client, Report report)
        {
            var expected = path == HandlerPath.Default ? "System.Net.Http.SocketsHttpHandler" : typeof(HttpClientHandler).FullName;
            var expectedInner = path == HandlerPath.Default ? null : path == HandlerPath.Framework ? "System.Net.Http.SocketsHttpHandler" : "System.Net.Http.MonoWebRequestHandler";
            report.Check(tag + "client handler is " + expected + (expectedInner != null ? " over " + expectedInner : string.Empty), CheckTimeout, () =>
            {
                var handler = client.Handler;
                var type = handler.GetType();
                Report.Expect(type.FullName == expected, "handler is " + type.FullName);
                var inner = InnerHandlerType(handler);
                Report.Expect(inner == expectedInner, "the HttpClientHandler sends through " + (inner ?? "nothing known"));
                return "handler " + type.FullName + (inner != null ? " over " + inner : string.Empty);
            });
        }

        /// <summary>
        /// A role profile's AssumeRole through the command's transport (Get-CGIPUserList's): on the .NET Framework path the
        /// same HttpClientHandler as the clients (Windows PowerShell 5.1's), signed, and its answer read.
        /// </summary>
        private static void CheckAssumeRole(string tag, HandlerPath path, Report report)
        {
            var expected = path == HandlerPath.Default ? "System.Net.Http.SocketsHttpHandler" : typeof(HttpClientHandler).FullName;
            report.Check(tag + "AssumeRole through the command's transport (" + expected + ")", CheckTimeout, () =>
            {
                var port = ClosedPort();
                using (var sts = new HttpListener())
                {
                    sts.Prefixes.Add("http://127.0.0.1:" + port + "/");
                    sts.Start();
                    string authorization = null;
                    var served = sts.GetContextAsync().ContinueWith(task =>
                    {
                        var context = task.Result;
                        authorization = context.Request.Headers["Authorization"];
                        var body = System.Text.Encoding.UTF8.GetBytes("<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult><Credentials>"
                            + "<AccessKeyId>ASIAHARNESS</AccessKeyId><SecretAccessKey>role-secret</SecretAccessKey><SessionToken>role-token</SessionToken>"
                            + "<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>");
                        context.Response.ContentType = "text/xml";
                        context.Response.OutputStream.Write(body, 0, body.Length);
                        context.Response.Close();
                    });
                    var transport = CredentialChainOptions.SharingTransportWith(new CognitoClientConfig { ConnectTimeout = TimeSpan.FromSeconds(5) }).StsHandlerFactory;
                    using (var handler = transport()) Report.Expect(handler.GetType().FullName == expected, "STS's handler is " + handler.GetType().FullName);
                    var source = new StaticCredentialsProvider(new AwsCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", null, null, "harness"));
                    var role = new AssumeRoleProvider(source, "arn:aws:iam::123456789012:role/Example", "harness", null, null, "us-east-1",
                        new Uri("http://127.0.0.1:" + port + "/"), "profile harness", transport, null);
                    var credentials = role.GetCredentialsAsync(CancellationToken.None).GetAwaiter().GetResult();
                    served.Wait(CheckTimeout);
                    Report.Expect(credentials.AccessKeyId == "ASIAHARNESS", "credentials " + credentials.AccessKeyId);
                    Report.Expect(authorization != null && authorization.StartsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/", StringComparison.Ordinal), "Authorization " + (authorization ?? "missing"));
                    return "temporary credentials " + credentials.AccessKeyId + " (session token " + (credentials.SessionToken != null ? "present" : "missing") + ")";
                }
            });
        }

        /// <summary>What Mono's HttpClientHandler sends through (SocketsHttpHandler or MonoWebRequestHandler); null for another handler.</summary>
        private static string InnerHandlerType(HttpMessageHandler handler)
        {
            if (!(handler is HttpClientHandler)) return null;
            var field = typeof(HttpClientHandler).GetField("_delegatingHandler", BindingFlags.Instance | BindingFlags.NonPublic);
            return field?.GetValue(handler)?.GetType().FullName;
        }

        private static void CheckBatch(string tag, HandlerPath path, Uri url, StatsConnection stats, HarnessOptions options, Report report)
        {
            var users = Enumerable.Range(FirstBatchUser, options.Users).Select(i => "user" + i.ToString("D4", CultureInfo.InvariantCulture)).ToArray();
            var outcomes = new List<SendOutcome>();
            EndpointStats before = null, after = null;
            TimeSpan elapsed = TimeSpan.Zero;
            string handlerName = null;
            var serial = TimeSpan.FromMilliseconds((double)options.LatencyMs * users.Length);

            report.Check(tag + "16-way batch through BulkSender: " + users.Length + " users, every one answered with its own delivery", TimeSpan.FromSeconds(60), () =>
            {
                stats.Reset();
                before = stats.GetStats();
                // As the cmdlet builds them for -ThrottleLimit 16 and no rate limit.
                var bulkOptions = new BulkSendOptions { ThrottleLimit = BatchWidth, MaxRequestsPerSecond = 0, Unordered = true };
                using (var client = NewClient(url, path, maxConnections: Math.Max(BatchWidth, 2), maxAttempts: 3))
                using (var sender = new BulkSender(client, bulkOptions, history: null))
                {
                    handlerName = client.Handler.GetType().FullName + (InnerHandlerType(client.Handler) is string inner ? " over " + inner : string.Empty);
                    var clock = Stopwatch.StartNew();
                    foreach (var user in users)
                    {
                        outcomes.AddRange(sender.Submit(new ResendConfirmationCodeRequest { ClientId = DemoClient, Username = user }));
                    }
                    outcomes.AddRange(sender.Complete());
                    elapsed = clock.Elapsed;
                    after = stats.GetStats();
                }

                Report.Expect(outcomes.Count == users.Length, outcomes.Count + " outcomes for " + users.Length + " requests");
                var failed = outcomes.Where(o => o.Kind != SendOutcomeKind.Succeeded).ToList();
                Report.Expect(failed.Count == 0, failed.Count + " not succeeded, first: " + (failed.Count > 0 ? failed[0].Kind + " " + failed[0].Error?.Message : ""));
                var wrong = outcomes.Where(o => o.Response.CodeDeliveryDetails == null || o.Response.CodeDeliveryDetails.Username != o.Request.Username
                    || o.Response.CodeDeliveryDetails.DeliveryMedium != "EMAIL" || o.Response.Attempts != 1).ToList();
                Report.Expect(wrong.Count == 0, wrong.Count + " answers with other delivery details or retries, first: " + (wrong.Count > 0 ? wrong[0].Request.Username + " -> " + wrong[0].Response : ""));
                Report.Expect(new HashSet<string>(outcomes.Select(o => o.Request.Username)).SetEquals(users), "the outcomes do not name each user once");
                return "handler " + handlerName + ", " + elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s";
            });
            if (after == null) return;

            report.Check(tag + "16-way batch: the server saw each user exactly once and delivered once", CheckTimeout, () =>
            {
                var off = users.Where(u => after.AttemptsFor(u) != 1 || after.DeliveriesFor(u) != 1).ToList();
                Report.Expect(after.Recording, "the endpoint is not recording per-user counts (--record)");
                Report.Expect(off.Count == 0, off.Count + " users not seen exactly once, first: " + (off.Count > 0 ? off[0] + " attempts " + after.AttemptsFor(off[0]) + " deliveries " + after.DeliveriesFor(off[0]) : ""));
                Report.Expect(after.Deliveries - before.Deliveries == users.Length, (after.Deliveries - before.Deliveries) + " deliveries");
                return users.Length + " attempts, " + users.Length + " deliveries";
            });

            report.Check(tag + "16-way batch: 16 connections open at once at the server (GET /_test/stats MaxOpenConnections)", CheckTimeout, () =>
            {
                // Connections and MaxOpenConnections restart at the reset, when only the stats connection was open.
                var peak = after.MaxOpenConnections - StatsConnection.OwnConnections;
                var opened = after.Connections;
                Report.Expect(before.MaxOpenConnections == StatsConnection.OwnConnections, "before the batch MaxOpenConnections was " + before.MaxOpenConnections + ", expected only the stats connection");
                Report.Expect(peak == BatchWidth, "the client had at most " + peak + " connections open at once (MaxOpenConnections " + after.MaxOpenConnections + " minus the stats connection), expected " + BatchWidth);
                return "peak " + peak + " open at once, " + opened + " opened in all";
            });

            report.Check(tag + "16-way batch ran 16 at a time: under a quarter of the one-at-a-time time", CheckTimeout, () =>
            {
                // One at a time, each request costs at least the added latency; 16 at a time is about 1/16 of that.
                // A quarter only catches a collapse (e.g. to the .NET Framework default of 2 connections).
                var ideal = TimeSpan.FromTicks(serial.Ticks / BatchWidth);
                Report.Expect(elapsed.Ticks * 4 < serial.Ticks, "took " + Seconds(elapsed) + " s; one at a time would be " + Seconds(serial) + " s");
                return Seconds(elapsed) + " s; ideal at 16-way " + Seconds(ideal) + " s, one at a time " + Seconds(serial) + " s";
            });
        }

        private static void CheckSingleSend(string tag, CognitoIdpClient client, StatsConnection stats, Report report)
        {
            report.Check(tag + "single send: CodeDeliveryDetails of an e-mail user", CheckTimeout, () =>
            {
                var response = Send(client, DemoClient, "ann");
                var d = response.CodeDeliveryDetails;
                Report.Expect(d != null, "no CodeDeliveryDetails");
                Report.Expect(d.Username == "ann" && d.AttributeName == "email" && d.DeliveryMedium == "EMAIL" && d.Destination == "a***@e***.com",
                    "CodeDeliveryDetails " + d.Username + " " + d.AttributeName + " " + d.DeliveryMedium + " " + d.Destination);
                Report.Expect(response.HttpStatusCode == 200 && response.Attempts == 1, "HTTP " + response.HttpStatusCode + ", " + response.Attempts + " attempts");
                Report.Expect(!string.IsNullOrEmpty(response.ResponseMetadata?.RequestId), "no request id");
                var server = stats.GetStats();
                Report.Expect(server.AttemptsFor("ann") == 1 && server.DeliveriesFor("ann") == 1,
                    "server saw " + server.AttemptsFor("ann") + " attempts and " + server.DeliveriesFor("ann") + " deliveries for ann");
                return d.DeliveryMedium + " " + d.Destination + " via " + d.AttributeName + ", request id " + response.ResponseMetadata.RequestId;
            });

            report.Check(tag + "single send: CodeDeliveryDetails of a phone user", CheckTimeout, () =>
            {
                var d = Send(client, DemoClient, "dave").CodeDeliveryDetails;
                Report.Expect(d != null && d.Username == "dave" && d.AttributeName == "phone_number" && d.DeliveryMedium == "SMS" && d.Destination == "+*******0123",
                    "CodeDeliveryDetails " + (d == null ? "none" : d.Username + " " + d.AttributeName + " " + d.DeliveryMedium + " " + d.Destination));
                return d.DeliveryMedium + " " + d.Destination;
            });
        }

        private static void CheckErrorMapping(string tag, HandlerPath path, CognitoIdpClient client, Uri url, StatsConnection stats, Report report)
        {
            ExpectServiceError(tag, client, stats, report, DemoClient, "nobody-at-all", "UserNotFoundException", ErrorClassification.ObjectNotFound);
            ExpectServiceError(tag, client, stats, report, DemoClient, "erin", "InvalidParameterException", ErrorClassification.InvalidArgument);
            ExpectServiceError(tag, client, stats, report, "nosuchclient1", UnknownClientUser, "ResourceNotFoundException", ErrorClassification.ObjectNotFound);
            ExpectServiceError(tag, client, stats, report, SecretClient, NoSecretHashUser, "NotAuthorizedException", ErrorClassification.PermissionDenied);

            report.Check(tag + "error mapping: LimitExceededException -> LimitsExceeded, not retried", CheckTimeout, () =>
            {
                for (var i = 0; i < ResendLimitPerHour; i++) Send(client, DemoClient, ResendLimitUser);
                var error = ExpectThrows<CognitoServiceException>(() => Send(client, DemoClient, ResendLimitUser));
                ExpectMapped(error, "LimitExceededException", ErrorClassification.LimitsExceeded, 400, attempts: 1);
                var server = stats.GetStats();
                Report.Expect(server.AttemptsFor(ResendLimitUser) == ResendLimitPerHour + 1 && server.DeliveriesFor(ResendLimitUser) == ResendLimitPerHour,
                    "server saw " + server.AttemptsFor(ResendLimitUser) + " attempts and " + server.DeliveriesFor(ResendLimitUser) + " deliveries");
                return Describe(error);
            });

            report.Check(tag + "error mapping: connection refused -> ConnectionFailure / ConnectionError after every attempt", CheckTimeout, () =>
            {
                var closedPort = ClosedPort();
                var closedUrl = new Uri("http://127.0.0.1:" + closedPort.ToString(CultureInfo.InvariantCulture) + "/");
                using (var refused = NewClient(closedUrl, path, maxConnections: 2, maxAttempts: 2))
                {
                    var error = ExpectThrows<CognitoTransportException>(() => Send(refused, DemoClient, "ann"));
                    ExpectMapped(error, CognitoErrors.ConnectionFailure, ErrorClassification.ConnectionError, null, attempts: 2);
                    return Describe(error) + ": " + error.Message;
                }
            });

            report.Check(tag + "error mapping: an invalid username fails validation before any request", CheckTimeout, () =>
            {
                var before = stats.GetStats().Requests;
                var error = ExpectThrows<RequestValidationException>(() => Send(client, DemoClient, "bad user\u0001"));
                var after = stats.GetStats().Requests;
                Report.Expect(error.ParamName == "Username", "ParamName " + error.ParamName);
                // The endpoint does not count its /_test/ routes as requests.
                Report.Expect(after == before, (after - before) + " requests reached the server");
                return "RequestValidationException, parameter " + error.ParamName + ", rule " + error.Rule;
            });
        }

        private static void ExpectServiceError(string tag, CognitoIdpClient client, StatsConnection stats, Report report,
            string clientId, string username, string code, ErrorClassification classification)
        {
            report.Check(tag + "error mapping: " + code + " -> " + classification, CheckTimeout, () =>
            {
                var error = ExpectThrows<CognitoServiceException>(() => Send(client, clientId, username));
                ExpectMapped(error, code, classification, 400, attempts: 1);
                Report.Expect(!string.IsNullOrEmpty(error.RequestId), "no request id");
                var seen = stats.GetStats().AttemptsFor(username);
                Report.Expect(seen == 1, "server saw " + seen + " attempts for " + username);
                return Describe(error);
            });
        }

        private static void ExpectMapped(CognitoException error, string code, ErrorClassification classification, int? status, int attempts)
        {
            Report.Expect(error.ErrorCode == code, "ErrorCode " + error.ErrorCode + " (" + error.Message + ")");
            var mapped = CognitoErrors.Classify(error.ErrorCode);
            Report.Expect(mapped == classification, error.ErrorCode + " classified " + mapped);
            Report.Expect(error.HttpStatusCode == status, "HttpStatusCode " + (error.HttpStatusCode?.ToString() ?? "none"));
            Report.Expect(error.Attempts == attempts, error.Attempts + " attempts");
        }

        private static void CheckRetry(string name, string username, CognitoIdpClient client, StatsConnection stats, Report report)
        {
            report.Check(name, CheckTimeout, () =>
            {
                var response = Send(client, DemoClient, username);
                var server = stats.GetStats();
                Report.Expect(response.CodeDeliveryDetails?.Username == username, "answer " + response);
                Report.Expect(response.Attempts == 2, "the client reports " + response.Attempts + " attempts");
                Report.Expect(server.AttemptsFor(username) == 2, "the server saw " + server.AttemptsFor(username) + " attempts");
                Report.Expect(server.DeliveriesFor(username) == 1, "the server delivered " + server.DeliveriesFor(username) + " codes");
                return "2 attempts at the client and at the server, 1 delivery";
            });
        }

        private static ResendConfirmationCodeResponse Send(CognitoIdpClient client, string clientId, string username)
        {
            using (var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(15)))
            {
                var request = new ResendConfirmationCodeRequest { ClientId = clientId, Username = username };
                return client.ResendConfirmationCodeAsync(request, cancel.Token).GetAwaiter().GetResult();
            }
        }

        private static T ExpectThrows<T>(Action action) where T : Exception
        {
            try { action(); }
            catch (T expected) { return expected; }
            catch (Exception other) { throw new CheckFailedException("expected " + typeof(T).Name + ", got " + other.GetType().Name + ": " + other.Message); }
            throw new CheckFailedException("expected " + typeof(T).Name + ", but the call succeeded");
        }

        private static string Describe(CognitoException error)
            => error.GetType().Name + " " + error.ErrorCode + " -> " + CognitoErrors.Classify(error.ErrorCode) +
               (error.HttpStatusCode.HasValue ? ", HTTP " + error.HttpStatusCode.Value : string.Empty) + ", " + error.Attempts + " attempt(s)";

        /// <summary>A loopback port nothing listens on (just released by a listener of our own).</summary>
        private static int ClosedPort()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            return port;
        }

        private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture);

        private static string MonoVersion()
        {
            var type = Type.GetType("Mono.Runtime");
            var display = type?.GetMethod("GetDisplayName", BindingFlags.NonPublic | BindingFlags.Static)?.Invoke(null, null) as string;
            return display != null ? "Mono " + display : "not Mono (" + Environment.Version + ")";
        }
    }
}
