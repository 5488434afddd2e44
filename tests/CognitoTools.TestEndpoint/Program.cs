using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;

namespace CognitoTools.TestEndpoint
{
    /// <summary>Runs the fake Cognito endpoint on its own, for Pester tests, demos and benchmarks.</summary>
    public static class Program
    {
        private const string Usage = @"CognitoTools.TestEndpoint: a local stand-in for Amazon Cognito's ResendConfirmationCode (awsJson1.1) on 127.0.0.1.

Usage:
  dotnet run --project tests/CognitoTools.TestEndpoint -- [options]
  dotnet tests/CognitoTools.TestEndpoint/bin/<Configuration>/net10.0/CognitoTools.TestEndpoint.dll [options]

Prints one line 'Listening on http://127.0.0.1:<port>/' first, then the clients it serves, and runs until
Ctrl+C, SIGTERM, or (with --exit-when-stdin-closes) until its standard input closes.
Test routes: GET /_test/stats (counters as JSON: requests, deliveries, throttled, connections, and with --record
per-user attempts and deliveries and each user's latest request members, secret hash as presence only),
POST /_test/reset, POST /_test/next-day[?daily-email-limit=N] (the day turns: the e-mail count starts again) and
POST /_test/client-fault?client=ID[&error=CODE] (set or, without error, clear a client's pool fault).

Demo pool (always seeded):
  client demoappclient1  no secret
  client secretclient1   secret " + FakeCognitoService.DemoClientSecret + @"
  users  ann, bob, carol (unconfirmed, e-mail), dave (unconfirmed, phone +15555550123), erin (confirmed)

Options:
  --port N                         Port to listen on (default 0: an ephemeral port; read it from stdout or --port-file).
  --port-file PATH                 Write the port number to PATH once listening.
  --latency-ms MS                  Add MS milliseconds to every answer (benchmarks).
  --seed-users N                   Add user0001..userN (unconfirmed, userNNNN@example.com), usable with every client.
  --users-csv PATH                 Add users from a CSV with a header row: Username, Email, PhoneNumber (or phone_number),
                                   Status (Unconfirmed|Confirmed), DeliveryAttribute (email|phone_number); only Username is required.
  --case-sensitive-pool            Add a case-sensitive pool (as pools created through the API are) with client
                                   casesensitiveclient1 (no secret) and users jane, JANE (another user) and phil.
  --client-id ID                   Add an app client with this id.
  --client-secret SECRET           Give --client-id a secret (requests must then carry a valid SecretHash).
  --prevent-user-existence-errors  Unknown users get plausible delivery details instead of UserNotFoundException.
  --resend-limit N                 Resends per user per hour before LimitExceededException (default 5; 0 = no limit;
                                   use 0 when a benchmark sends the same users repeatedly).
  --rate-limit RPS                 Answer TooManyRequestsException 'Rate exceeded' above RPS requests per second (token bucket).
  --rate-burst N                   Bucket size for --rate-limit (default: one second's worth).
  --throttle-status CODE           HTTP status of TooManyRequestsException (default 400, as Cognito sends it).
  --throttle-429                   Same as --throttle-status 429.
  --fault KIND[,KIND...]           Inject faults: 500, 502, 503, 504, throttle, drop, reset, slow, malformed (truncated JSON),
                                   truncated, html, nonjson, contenttype, close (answer, then silently close the
                                   kept-alive connection). Several kinds share --fault-rate equally.
  --fault-user USER=KIND[:N]       The first N requests (default 1) naming USER get fault KIND (a --fault name), then
                                   USER is served normally: a deterministic retry. Repeatable; tried before --fault.
  --fault-rate P                   Probability (0..1) that a request gets a fault (default 0.1 when --fault is given).
  --slow-ms MS                     Delay of the 'slow' fault (default 30000).
  --user-faults SPEC               Scripted per-user faults, seeded by --seed: KIND[xTIMES]:N%|N[,...] gives N% of the users
                                   (or N users) fault KIND on their first TIMES requests, each entry its own users, e.g.
                                   '500:10%,500x2:10%,drop:10%' (a fault storm) or 'throttle:60' (isolated throttles).
                                   Applies to the users known at start (seeded, CSV, demo).
  --daily-email-limit N            E-mail codes per day for the whole endpoint (one AWS account), then LimitExceededException
                                   'Exceeded daily email limit ...' (Cognito's default e-mail allows 50); 0 = no limit (default).
  --client-fault CLIENT=CODE       Every request of app client CLIENT gets the pool-wide error CODE, e.g.
                                   InvalidSmsRoleTrustRelationshipException, ForbiddenException (403), UnexpectedLambdaException.
                                   Repeatable.
  --seed N                         Seed of the fault draws, to repeat a run exactly (default 12345).
  --exit-when-stdin-closes         Exit when standard input reaches end of file (for parents that may die without cleanup).
  --record                         Keep per-user attempt and delivery counts, request times and each user's latest
                                   request members for GET /_test/stats (tests; memory grows with the requests).
                                   The counters are always there.
  --verbose                        Log one line per request to stderr (never secrets). Off by default: it costs throughput.
  --help                           Show this text.

Example:
  dotnet run --project tests/CognitoTools.TestEndpoint -- --port 5057
  Send-CGIPConfirmationCode -EndpointUrl http://127.0.0.1:5057/ -Region us-east-1 -ClientId demoappclient1 -Username ann
";

        public static int Main(string[] args)
        {
            Options options;
            try { options = Options.Parse(args); }
            catch (ArgumentException ex)
            {
                Console.Error.WriteLine(ex.Message);
                Console.Error.WriteLine("Run with --help for usage.");
                return 2;
            }
            if (options.Help)
            {
                Console.Out.Write(Usage);
                return 0;
            }

            using (var service = new FakeCognitoService(options.Port))
            {
                try { Configure(service, options); }
                catch (Exception ex) when (ex is ArgumentException || ex is IOException || ex is FormatException)
                {
                    Console.Error.WriteLine(ex.Message);
                    return 2;
                }

                try { service.Start(); }
                catch (System.Net.Sockets.SocketException ex)
                {
                    Console.Error.WriteLine("Cannot listen on 127.0.0.1:" + options.Port + ": " + ex.Message);
                    return 1;
                }

                if (options.PortFile != null)
                {
                    // Write then rename, so a reader polling for the file never sees it half-written.
                    var temp = options.PortFile + ".tmp";
                    File.WriteAllText(temp, service.Port.ToString(CultureInfo.InvariantCulture));
                    File.Move(temp, options.PortFile, overwrite: true);
                }

                var stdout = Console.Out;
                stdout.WriteLine("Listening on " + service.EndpointUrl);
                foreach (var client in service.Clients)
                {
                    stdout.WriteLine("  client " + client.ClientId + (client.ClientSecret != null ? " secret " + client.ClientSecret : " (no secret)")
                        + (client.PreventUserExistenceErrors ? " PreventUserExistenceErrors" : string.Empty));
                }
                stdout.WriteLine("  users " + service.DefaultPool.UserCount + "; resend limit " + (service.ResendLimitPerHour > 0 ? service.ResendLimitPerHour + "/hour" : "off")
                    + "; rate limit " + (service.RateLimitPerSecond > 0 ? service.RateLimitPerSecond.ToString(CultureInfo.InvariantCulture) + "/s" : "off")
                    + "; added latency " + service.AddedLatency.TotalMilliseconds.ToString(CultureInfo.InvariantCulture) + " ms");
                stdout.WriteLine("Press Ctrl+C to stop.");
                stdout.Flush();

                WaitForShutdown(options.ExitWhenStdinCloses);
                Console.Error.WriteLine("Stopping: " + service.RequestCount + " requests, " + service.DeliveryCount + " deliveries.");
            }
            if (options.PortFile != null) { try { File.Delete(options.PortFile); } catch (IOException) { } }
            return 0;
        }

        private static void Configure(FakeCognitoService service, Options options)
        {
            // A long-running process must not grow with every request.
            service.RecordRequests = options.Record;
            service.SeedDemoPool(options.PreventUserExistenceErrors);
            if (options.ClientId != null) service.AddClient(options.ClientId, options.ClientSecret, options.PreventUserExistenceErrors);
            if (options.CaseSensitivePool) service.SeedCaseSensitivePool();
            if (options.SeedUsers > 0) service.SeedUsers(options.SeedUsers);
            if (options.UsersCsv != null) LoadUsersCsv(service, options.UsersCsv);
            service.AddedLatency = TimeSpan.FromMilliseconds(options.LatencyMs);
            service.ResendLimitPerHour = options.ResendLimit;
            service.ThrottleStatusCode = options.ThrottleStatus;
            if (options.RateLimit > 0) service.SetRateLimit(options.RateLimit, options.RateBurst);
            service.Faults.Seed(options.Seed);
            service.Limits.DailyEmailLimit = options.DailyEmailLimit;
            foreach (var clientFault in options.ClientFaults) service.Limits.SetClientFault(clientFault);
            foreach (var userFault in options.FaultUsers)
            {
                service.Faults.FailFirstAttemptsForUser(userFault.Username, userFault.Count, Fault.Parse(userFault.Kind, TimeSpan.FromMilliseconds(options.SlowMs)));
            }
            if (options.Faults.Count > 0)
            {
                // Rules are tried in order, so rule i fires with probability p / (n - i) of what is left: each kind gets p / n overall.
                var n = options.Faults.Count;
                for (var i = 0; i < n; i++)
                {
                    var fault = Fault.Parse(options.Faults[i], TimeSpan.FromMilliseconds(options.SlowMs));
                    var remaining = 1.0 - options.FaultRate * i / n;
                    service.Faults.FailRandomly(remaining <= 0 ? 1.0 : (options.FaultRate / n) / remaining, fault);
                }
            }
            if (options.UserFaults.Count > 0)
            {
                var users = new List<string>();
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var pool in service.Pools) foreach (var user in pool.Users) if (seen.Add(user.Username)) users.Add(user.Username);
                service.Faults.AssignUserFaults(users, options.UserFaults, options.Seed, TimeSpan.FromMilliseconds(options.SlowMs));
            }
            if (options.Verbose)
            {
                var gate = new object();
                service.Log = line => { lock (gate) Console.Error.WriteLine(line); };
            }
        }

        private static void LoadUsersCsv(FakeCognitoService service, string path)
        {
            using (var reader = new StreamReader(path))
            {
                // Windows PowerShell's Export-Csv writes a "#TYPE ..." line first; Excel may write "sep=,".
                var header = reader.ReadLine();
                while (header != null && (header.Trim().Length == 0 || header.StartsWith("#TYPE", StringComparison.OrdinalIgnoreCase) || header.StartsWith("sep=", StringComparison.OrdinalIgnoreCase)))
                    header = reader.ReadLine();
                if (header == null) return;
                var columns = CsvLine.Split(header);
                int Column(params string[] names)
                {
                    for (var i = 0; i < columns.Count; i++)
                        foreach (var name in names)
                            if (string.Equals(columns[i].Trim(), name, StringComparison.OrdinalIgnoreCase)) return i;
                    return -1;
                }
                var usernameColumn = Column("Username", "UserName", "User");
                if (usernameColumn < 0) throw new FormatException(path + ": the header row has no Username column.");
                var emailColumn = Column("Email", "email");
                var phoneColumn = Column("PhoneNumber", "phone_number", "Phone");
                var statusColumn = Column("Status", "UserStatus");
                var attributeColumn = Column("DeliveryAttribute", "Delivery");
                string line;
                var lineNumber = 1;
                while ((line = reader.ReadLine()) != null)
                {
                    lineNumber++;
                    if (line.Trim().Length == 0) continue;
                    var fields = CsvLine.Split(line);
                    string Field(int index) => index >= 0 && index < fields.Count && fields[index].Length > 0 ? fields[index] : null;
                    var username = Field(usernameColumn);
                    if (username == null) throw new FormatException(path + ":" + lineNumber + ": no username.");
                    var status = FakeUserStatus.Unconfirmed;
                    var statusText = Field(statusColumn);
                    if (statusText != null && !Enum.TryParse(statusText, ignoreCase: true, out status))
                        throw new FormatException(path + ":" + lineNumber + ": status '" + statusText + "' is not Unconfirmed or Confirmed.");
                    service.AddUser(username, Field(emailColumn), Field(phoneColumn), status, Field(attributeColumn));
                }
            }
        }

        private static void WaitForShutdown(bool exitWhenStdinCloses)
        {
            using (var stop = new ManualResetEventSlim())
            {
                Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Set(); };
                using (TryRegisterTermination(stop))
                {
                    if (exitWhenStdinCloses)
                    {
                        var watcher = new Thread(() =>
                        {
                            try
                            {
                                var input = Console.OpenStandardInput();
                                var buffer = new byte[256];
                                while (input.Read(buffer, 0, buffer.Length) > 0) { }
                            }
                            catch (IOException) { }
                            stop.Set();
                        }) { IsBackground = true, Name = "stdin watcher" };
                        watcher.Start();
                    }
                    stop.Wait();
                }
            }
        }

        /// <summary>SIGTERM (docker stop, kill, a parent shutting down) stops the endpoint cleanly where the platform supports it.</summary>
        private static IDisposable TryRegisterTermination(ManualResetEventSlim stop)
        {
            try { return PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; stop.Set(); }); }
            catch (PlatformNotSupportedException) { return null; }
        }

        private sealed class Options
        {
            public int Port;
            public string PortFile;
            public double LatencyMs;
            public int SeedUsers;
            public string UsersCsv;
            public string ClientId;
            public string ClientSecret;
            public bool PreventUserExistenceErrors;
            public bool CaseSensitivePool;
            public int ResendLimit = 5;
            public double RateLimit;
            public double RateBurst;
            public int ThrottleStatus = 400;
            public readonly List<string> Faults = new List<string>();
            public readonly List<UserFault> FaultUsers = new List<UserFault>();
            public IReadOnlyList<UserFaultSpec> UserFaults = Array.Empty<UserFaultSpec>();
            public double FaultRate = -1;
            public double SlowMs = 30000;
            public int Seed = 12345;
            public int DailyEmailLimit;
            public readonly List<string> ClientFaults = new List<string>();
            public bool ExitWhenStdinCloses;
            public bool Verbose;
            public bool Record;
            public bool Help;

            public static Options Parse(string[] args)
            {
                var o = new Options();
                for (var i = 0; i < args.Length; i++)
                {
                    var arg = args[i];
                    string Value()
                    {
                        if (i + 1 >= args.Length) throw new ArgumentException(arg + " needs a value.");
                        return args[++i];
                    }
                    int Int(int min) => ParseInt(arg, Value(), min);
                    double Number(double min) => ParseDouble(arg, Value(), min);
                    switch (arg.ToLowerInvariant())
                    {
                        case "--port": o.Port = Int(0); if (o.Port > 65535) throw new ArgumentException("--port must be 0..65535."); break;
                        case "--record": o.Record = true; break;
                        case "--port-file": o.PortFile = Value(); break;
                        case "--latency-ms": o.LatencyMs = Number(0); break;
                        case "--seed-users": o.SeedUsers = Int(0); break;
                        case "--users-csv": o.UsersCsv = Value(); break;
                        case "--client-id": o.ClientId = Value(); break;
                        case "--case-sensitive-pool": o.CaseSensitivePool = true; break;
                        case "--client-secret": o.ClientSecret = Value(); break;
                        case "--prevent-user-existence-errors": o.PreventUserExistenceErrors = true; break;
                        case "--resend-limit": o.ResendLimit = Int(0); break;
                        case "--rate-limit": o.RateLimit = Number(0); break;
                        case "--rate-burst": o.RateBurst = Number(0); break;
                        case "--throttle-status": o.ThrottleStatus = Int(100); break;
                        case "--throttle-429": o.ThrottleStatus = 429; break;
                        case "--fault":
                            foreach (var kind in Value().Split(new[] { ',' }, StringSplitOptions.RemoveEmptyEntries))
                            {
                                Fault.Parse(kind, TimeSpan.Zero); // reject unknown names now, with the list of known ones
                                o.Faults.Add(kind.Trim());
                            }
                            break;
                        case "--fault-user": o.FaultUsers.Add(UserFault.Parse(arg, Value())); break;
                        case "--fault-rate": o.FaultRate = Number(0); if (o.FaultRate > 1) throw new ArgumentException("--fault-rate is a probability, 0..1."); break;
                        case "--slow-ms": o.SlowMs = Number(0); break;
                        case "--user-faults": o.UserFaults = UserFaultSpec.ParseList(Value()); break;
                        case "--daily-email-limit": o.DailyEmailLimit = Int(0); break;
                        case "--client-fault": o.ClientFaults.Add(Value()); break;
                        case "--seed": o.Seed = ParseInt(arg, Value(), int.MinValue); break;
                        case "--exit-when-stdin-closes": o.ExitWhenStdinCloses = true; break;
                        case "--verbose": o.Verbose = true; break;
                        case "--help": case "-h": case "-?": case "/?": o.Help = true; break;
                        default: throw new ArgumentException("Unknown option '" + arg + "'.");
                    }
                }
                if (o.ClientSecret != null && o.ClientId == null) throw new ArgumentException("--client-secret needs --client-id.");
                if (o.FaultRate >= 0 && o.Faults.Count == 0) throw new ArgumentException("--fault-rate needs --fault KIND.");
                if (o.FaultRate < 0) o.FaultRate = 0.1;
                return o;
            }

            public sealed class UserFault
            {
                public string Username;
                public string Kind;
                public int Count;

                /// <summary>USER=KIND or USER=KIND:N.</summary>
                public static UserFault Parse(string option, string text)
                {
                    var equals = text.LastIndexOf('=');
                    if (equals <= 0 || equals == text.Length - 1) throw new ArgumentException(option + " expects USER=KIND[:N], not '" + text + "'.");
                    var kind = text.Substring(equals + 1);
                    var count = 1;
                    var colon = kind.IndexOf(':');
                    if (colon >= 0)
                    {
                        count = ParseInt(option, kind.Substring(colon + 1), 1);
                        kind = kind.Substring(0, colon);
                    }
                    Fault.Parse(kind, TimeSpan.Zero); // reject unknown names now, with the list of known ones
                    return new UserFault { Username = text.Substring(0, equals), Kind = kind.Trim(), Count = count };
                }
            }

            private static int ParseInt(string option, string text, int min)
            {
                if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min)
                    throw new ArgumentException(option + " expects a whole number" + (min > int.MinValue ? " >= " + min : string.Empty) + ", not '" + text + "'.");
                return value;
            }

            private static double ParseDouble(string option, string text, double min)
            {
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < min || double.IsNaN(value) || double.IsInfinity(value))
                    throw new ArgumentException(option + " expects a number >= " + min.ToString(CultureInfo.InvariantCulture) + ", not '" + text + "'.");
                return value;
            }
        }
    }

    /// <summary>Splits one CSV line (RFC 4180 quoting, no embedded newlines).</summary>
    internal static class CsvLine
    {
        public static List<string> Split(string line)
        {
            var fields = new List<string>();
            var current = new System.Text.StringBuilder();
            var quoted = false;
            for (var i = 0; i < line.Length; i++)
            {
                var c = line[i];
                if (quoted)
                {
                    if (c == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"') { current.Append('"'); i++; }
                        else quoted = false;
                    }
                    else current.Append(c);
                }
                else if (c == '"') quoted = true;
                else if (c == ',') { fields.Add(current.ToString()); current.Clear(); }
                else current.Append(c);
            }
            fields.Add(current.ToString());
            return fields;
        }
    }
}
