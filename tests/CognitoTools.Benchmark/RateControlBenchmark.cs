using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using CognitoTools.Bulk;
using CognitoTools.Model;
using CognitoTools.Protocol;
using CognitoTools.TestEndpoint;
using CognitoTools.Tests.Bulk;

namespace CognitoTools.Benchmark
{
    /// <summary>
    /// Issue 9's figures, measured at the endpoint (a child process, GET /_test/stats): the quota table (a token bucket
    /// of R requests/s, 16 in flight, 20 ms latency, no cap and a cap of 2R: requests/s, share throttled, rows failed)
    /// and the fault storm (10% of users 500 once, 10% twice, 10% a dropped connection once: rows failed, seconds
    /// against the same batch without faults). Where it applies, the JS SDK runs the same workload with retryMode 'adaptive'.
    /// </summary>
    internal sealed class RateControlBenchmark
    {
        private const double LatencyMs = 20;
        private readonly Options _options;
        private readonly string _jsScript;
        private readonly StringBuilder _report = new StringBuilder();

        public RateControlBenchmark(Options options, string jsScript)
        {
            _options = options;
            _jsScript = jsScript;
        }

        private sealed class Stats
        {
            public int Requests { get; set; }
            public int Deliveries { get; set; }
            public int Throttled { get; set; }
            public Dictionary<string, int> DeliveriesByUser { get; set; }
        }

        private sealed class Row
        {
            public string Client;
            public int Users;
            public long Succeeded;
            public long Failed;
            public double Seconds;
            public Stats Server;
            public string FinalRate = "-";
            public double ThrottledShare => Server.Requests == 0 ? 0 : Server.Throttled / (double)Server.Requests;
            public int MaxPerUser => Server.DeliveriesByUser == null || Server.DeliveriesByUser.Count == 0 ? 0 : Server.DeliveriesByUser.Values.Max();
        }

        public string Run()
        {
            QuotaTable();
            if (_options.StormUsers > 0) Storm();
            return _report.ToString();
        }

        private void QuotaTable()
        {
            _report.AppendLine($"== Quota: token bucket of R requests/s holding B tokens, 16 in flight, {LatencyMs} ms latency, {_options.RateSeconds} s of work at R ==");
            _report.AppendLine("   R |     B | limiter               | cap   | users | seconds | req/s at server | sustained/R | throttled | rows failed | final rate");
            // Warm-up (not counted), as the other sections get: the first row must not pay this process's JIT. Each row's
            // endpoint is a new process, so every row still meets a cold server.
            WithEndpoint(50, 0, url => Ours(url, 50, 16, null));
            var missed = new List<string>();
            foreach (var quota in _options.Quotas)
            foreach (var burstSeconds in _options.RateBursts)
            {
                var burst = Math.Max(1, Math.Round(quota * burstSeconds));
                var users = quota * _options.RateSeconds;
                foreach (var cap in new double?[] { null, 2.0 * quota })
                {
                    var row = WithEndpoint(users, quota, url => Ours(url, users, 16, cap), "--rate-burst", burst.ToString(CultureInfo.InvariantCulture));
                    var miss = AppendQuotaRow(quota, burst, "CognitoTools", cap, row);
                    if (miss != null) missed.Add(miss);
                }
                // The ideal peers of a one-token bucket: told the quota, they send at a fixed 0.9 R and 0.95 R. A token is
                // there only 1/R after the last was taken, so two requests a few ms closer than that (a late timer, the
                // network) throttle the second. The spaced peer also leaves 97 % of its spacing after the request before
                // it, whenever that one's timer fired: what is left is the network's and the endpoint's jitter.
                if (burst <= 1 && !_options.NoIdeal)
                    foreach (var (share, spaced) in new[] { (0.9, false), (0.95, false), (0.95, true) })
                    {
                        var ideal = WithEndpoint(users, quota, url => Ours(url, users, 16, null, FixedPaceInRealTime(share * quota, spaced)), "--rate-burst", "1");
                        AppendQuotaRow(quota, burst, $"{(spaced ? "spaced" : "fixed")} {share.ToString(CultureInfo.InvariantCulture)} R (ideal)", null, ideal);
                    }
                if (_jsScript != null)
                {
                    var js = WithEndpoint(users, quota, url => Js(url, users, 16, "adaptive"), "--rate-burst", burst.ToString(CultureInfo.InvariantCulture));
                    AppendQuotaRow(quota, burst, "JS SDK adaptive", null, js);
                }
            }
            _report.AppendLine("(sustained = (users - B) / seconds: the bucket's B tokens go at once. Targets: sustained >= 0.9 R, throttled <= 5%, 0 rows failed.)");
            _report.AppendLine(missed.Count == 0 ? "Quota targets met by CognitoTools on every row." : "Quota targets NOT met by CognitoTools: " + string.Join("; ", missed) + ".");
            _report.AppendLine();
        }

        /// <summary>Appends the row; returns what it missed of the targets, or null when it met them all.</summary>
        private string AppendQuotaRow(int quota, double burst, string client, double? cap, Row row)
        {
            var sustained = (row.Users - burst) / row.Seconds;
            var capText = cap.HasValue ? cap.Value.ToString(CultureInfo.InvariantCulture) : "none";
            _report.AppendLine(string.Format(CultureInfo.InvariantCulture, "{0,4} | {1,5} | {2,-21} | {3,5} | {4,5} | {5,7:F1} | {6,15:F1} | {7,10:P1} | {8,9:P1} | {9,11} | {10}",
                quota, burst, client, capText, row.Users, row.Seconds, row.Server.Requests / row.Seconds,
                sustained / quota, row.ThrottledShare, row.Failed, row.FinalRate));
            Console.WriteLine($"  quota {quota}, burst {burst}, {client}, cap {capText}: {row.Seconds:F1} s, {sustained / quota:P1} of R, {row.ThrottledShare:P1} throttled, {row.Failed} failed");
            var misses = new List<string>();
            if (sustained < 0.9 * quota) misses.Add((sustained / quota).ToString("P1", CultureInfo.InvariantCulture) + " of R");
            if (row.ThrottledShare > 0.05) misses.Add(row.ThrottledShare.ToString("P1", CultureInfo.InvariantCulture) + " throttled");
            if (row.Failed > 0) misses.Add(row.Failed.ToString(CultureInfo.InvariantCulture) + " rows failed");
            return misses.Count == 0 ? null
                : $"R = {quota}, B = {burst}, cap {capText}: " + string.Join(", ", misses);
        }

        private void Storm()
        {
            var users = _options.StormUsers;
            const string faults = "500:10%,500x2:10%,drop:10%";
            _report.AppendLine($"== Fault storm: {users} users, ThrottleLimit 16, no cap, {LatencyMs} ms latency; 10% of users 500 once, 10% twice, 10% a dropped connection once (seeded) ==");
            _report.AppendLine("client             | faults | seconds | rows failed | not sent | requests | max deliveries per user | vs clean");
            var clean = WithEndpoint(users, 0, url => Ours(url, users, 16, null));
            var storm = WithEndpoint(users, 0, url => Ours(url, users, 16, null), "--user-faults", faults, "--seed", "12345");
            AppendStormRow("CognitoTools", "none", clean, clean);
            AppendStormRow("CognitoTools", "storm", storm, clean);
            if (_jsScript != null)
            {
                var jsClean = WithEndpoint(users, 0, url => Js(url, users, 16, "adaptive"));
                var jsStorm = WithEndpoint(users, 0, url => Js(url, users, 16, "adaptive"), "--user-faults", faults, "--seed", "12345");
                AppendStormRow("JS SDK adaptive", "none", jsClean, jsClean);
                AppendStormRow("JS SDK adaptive", "storm", jsStorm, jsClean);
            }
            _report.AppendLine(storm.Failed == 0 && storm.MaxPerUser == 1 ? "Storm target met: 0 failed rows, no user sent twice." : "Storm target NOT met.");
            _report.AppendLine();
        }

        private void AppendStormRow(string client, string faults, Row row, Row clean)
        {
            _report.AppendLine(string.Format(CultureInfo.InvariantCulture, "{0,-18} | {1,6} | {2,7:F1} | {3,11} | {4,8} | {5,8} | {6,23} | {7:F2}x",
                client, faults, row.Seconds, row.Failed, row.Users - row.Succeeded - row.Failed, row.Server.Requests, row.MaxPerUser, row.Seconds / clean.Seconds));
            Console.WriteLine($"  storm {client} {faults}: {row.Seconds:F1} s, {row.Failed} failed");
        }

        private Row WithEndpoint(int users, int quota, Func<string, Row> run, params string[] extra)
        {
            var args = new List<string> { "--record" };
            if (quota > 0) args.AddRange(new[] { "--rate-limit", quota.ToString(CultureInfo.InvariantCulture) });
            args.AddRange(extra);
            using (var server = EndpointProcess.Start(LatencyMs, users, args.ToArray()))
            {
                var row = run(server.Url);
                row.Server = ReadStats(server.Url);
                return row;
            }
        }

        private static Stats ReadStats(string url)
        {
            using (var http = new HttpClient())
            {
                var json = http.GetStringAsync(url + "_test/stats").GetAwaiter().GetResult();
                return JsonSerializer.Deserialize<Stats>(json);
            }
        }

        private Row Ours(string url, int users, int throttleLimit, double? cap, IRequestRateLimiter fixedPace = null)
        {
            var options = new BulkSendOptions { ThrottleLimit = throttleLimit, MaxRequestsPerSecond = cap ?? 0 };
            var started = Stopwatch.StartNew();
            Action<string> log = null;
            if (_options.RateLog) log = line => Console.Error.WriteLine($"    {started.Elapsed.TotalSeconds,6:F2} s  {line}");
            var limiter = fixedPace;
            if (limiter == null)
            {
                var adaptive = options.CreateRateLimiter();
                adaptive.Log = log;
                limiter = adaptive;
            }
            var config = new CognitoClientConfig { ServiceUrl = new Uri(url), MaxAttempts = 3 };
            var digits = FakeCognitoService.SeedDigits(users);
            using (var client = BatchClientFactory.Create(config, options, limiter))
            using (var sender = new BulkSender(client, options, new History.CommandHistory()))
            {
                var watch = Stopwatch.StartNew();
                var (succeeded, failed) = Program.SendAll(sender, new Options { Digits = digits, ClientId = _options.ClientId }, users);
                watch.Stop();
                var summary = sender.GetSummary();
                return new Row
                {
                    Client = "CognitoTools", Users = users, Succeeded = succeeded, Failed = failed - summary.NotSent, Seconds = watch.Elapsed.TotalSeconds,
                    FinalRate = fixedPace != null ? "fixed" : summary.FinalRate.HasValue ? summary.FinalRate.Value.ToString("F1", CultureInfo.InvariantCulture) + "/s" : "unlimited",
                };
            }
        }

        private static FixedPace FixedPaceInRealTime(double rate, bool spacedFromLastSend)
        {
            var watch = Stopwatch.StartNew();
            return new FixedPace(rate, () => watch.Elapsed, (wait, cancellationToken) => System.Threading.Tasks.Task.Delay(wait, cancellationToken), spacedFromLastSend);
        }

        private Row Js(string url, int users, int concurrency, string retryMode)
        {
            var digits = FakeCognitoService.SeedDigits(users);
            var args = $"\"{_jsScript}\" --endpoint {url} --users {users} --concurrency {concurrency} --digits {digits} --warmup 0 --client-id {_options.ClientId} --retry-mode {retryMode}";
            var (exit, stdout, stderr) = ChildProcess.Run("node", args, TimeSpan.FromMinutes(20), new Dictionary<string, string> { ["NODE_NO_WARNINGS"] = "1" });
            if (exit != 0) throw new InvalidOperationException("bench-js.mjs failed (exit " + exit + "): " + stderr);
            var line = stdout.Split('\n').Last(l => l.TrimStart().StartsWith("{", StringComparison.Ordinal));
            using (var doc = JsonDocument.Parse(line))
            {
                var root = doc.RootElement;
                return new Row
                {
                    Client = "JS SDK " + retryMode, Users = users, Succeeded = root.GetProperty("succeeded").GetInt64(), Failed = root.GetProperty("failed").GetInt64(),
                    Seconds = root.GetProperty("seconds").GetDouble(),
                };
            }
        }
    }
}
