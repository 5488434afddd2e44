using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using CognitoTools.Bulk;
using CognitoTools.History;
using CognitoTools.Journal;
using CognitoTools.Model;
using CognitoTools.Protocol;
using CognitoTools.TestEndpoint;

namespace CognitoTools.Benchmark
{
    /// <summary>
    /// Bulk ResendConfirmationCode throughput and cost: our BulkSender + CognitoIdpClient against the AWS JavaScript SDK
    /// v3 client, both against the local test endpoint running as a separate process (so each side's CPU time is its
    /// own, never the server's).
    /// </summary>
    public static class Program
    {
        private const string Usage = @"CognitoTools.Benchmark: bulk ResendConfirmationCode, ours against the AWS JavaScript SDK v3.

Usage:
  dotnet run -c Release --project tests/CognitoTools.Benchmark -- [options]

Options:
  --users N          Users per run (default 5000; --quick: 300). Concurrency 1 sends at most --c1-users of them.
  --c1-users N       Cap for the concurrency-1 runs, which are latency-bound (default 1000; --quick: 100).
  --latency-ms MS    Latency the endpoint adds to every answer (default 20).
  --concurrency LIST Comma-separated concurrency levels (default 1,4,16).
  --overhead-users N Requests for the zero-latency client-overhead runs (default 3000; --quick: 300).
  --memory-users N   Users streamed for the peak working set (default 100000; --quick: 10000; 0 skips).
  --no-js            Skip the JavaScript SDK runs (they need node and npm ci in tests/conformance).
  --pwsh PATH        Time Import-Csv | Send-CGIPConfirmationCode through this pwsh (default: pwsh on PATH, if any;
                     needs the built module in out/CognitoTools/<version>/).
  --no-pwsh          Skip the cmdlet run.
  --out FILE         Also write the report (text) and FILE.json (figures).
  --quick            A short smoke run.
  --rate-only        Only the rate-control sections (issue 9): the quota table and the fault storm.
  --no-rate          Skip the rate-control sections.
  --rate-seconds N   Seconds of work at the quota per quota run (default 30; --quick: 5).
  --storm-users N    Users of the fault-storm runs (default 5000; --quick: 1000; 0 skips the storm).
  --quotas LIST      Comma-separated quotas R of the quota table (default 10,50,200).
  --rate-bursts LIST Seconds of tokens the quota's bucket holds, comma-separated (default 0.1,1,5; at least one token).
  --rate-log         Print the rate limiter's verbose lines (rate changes and their reasons) of each quota run.
  --no-ideal         Leave out the one-token rows' ideal peers (fixed 0.9 R and 0.95 R told the quota).
  --listing-only     Only the listing section (issue 16): users listed from moto_server, ours against boto3's paginator.
  --no-listing       Skip the listing section.
  --listing-users N  Users in the moto pool of the listing section (default 10000; --quick: 500).
  --listing-rounds N Rounds of each lister, alternating (default 2).
";

        public static int Main(string[] args)
        {
            Options options;
            try { options = Options.Parse(args); }
            catch (ArgumentException ex)
            {
                Console.Error.WriteLine(ex.Message);
                Console.Error.WriteLine(Usage);
                return 2;
            }
            if (options.Help) { Console.Write(Usage); return 0; }
            if (options.MemoryChild) return MemoryChild(options);
            return new Runner(options).Run();
        }

        /// <summary>
        /// The --memory child: streams users through the sender like a pipeline (generated lazily, outcomes dropped
        /// after counting) and reports its own peak working set, so the figure is the sender's and nothing else's.
        /// </summary>
        private static int MemoryChild(Options options)
        {
            var config = new CognitoClientConfig { ServiceUrl = new Uri(options.Endpoint) };
            var watch = Stopwatch.StartNew();
            long succeeded, failed, retained, skipped;
            int failuresKept;
            var sendOptions = new BulkSendOptions { ThrottleLimit = options.MemoryConcurrency, MaxRequestsPerSecond = 0 };
            if (options.NoDuplicateMap) sendOptions.DuplicateWindow = 0;
            var history = new CommandHistory();
            // --journal: the batch is journaled; an existing journal is read first (the resume state of every row).
            using (var journal = options.JournalPath == null ? null : BatchJournal.Open(options.JournalPath, new Uri(options.Endpoint).ToString(), null))
            // Wired as the cmdlet wires a batch: uncapped limiter, batch retry mode, a connection per call in flight.
            using (var client = BatchClientFactory.Create(config, sendOptions))
            using (var sender = new BulkSender(client, sendOptions, history) { Journal = journal })
            {
                (succeeded, failed) = SendAll(sender, options, options.Users);
                skipped = sender.SkippedCount;
                // What the batch still holds at its end (the sender alive): the history, the duplicate map, the journal's resume state.
                retained = GC.GetTotalMemory(forceFullCollection: true);
                failuresKept = history.Query(new HistoryQuery { Failed = true }).Count();
                GC.KeepAlive(sender);
            }
            watch.Stop();
            using (var self = Process.GetCurrentProcess())
            {
                self.Refresh();
                Console.WriteLine(JsonSerializer.Serialize(new MemoryResult
                {
                    Requests = options.Users,
                    Succeeded = succeeded,
                    Failed = failed,
                    Seconds = watch.Elapsed.TotalSeconds,
                    PeakWorkingSetBytes = self.PeakWorkingSet64,
                    RetainedHeapBytesAtEnd = retained,
                    Skipped = skipped,
                    FailuresKept = failuresKept,
                }));
            }
            return 0;
        }

        /// <summary>Submits users 1..N (the endpoint's seeded names) like a pipeline, then completes; counts the outcomes.</summary>
        internal static (long Succeeded, long Failed) SendAll(BulkSender sender, Options options, int users)
        {
            long succeeded = 0, failed = 0;
            void Count(IEnumerable<SendOutcome> outcomes)
            {
                foreach (var o in outcomes)
                {
                    if (o.Kind == SendOutcomeKind.Succeeded) succeeded++;
                    else if (o.Kind != SendOutcomeKind.Skipped) failed++;
                }
            }
            for (var i = 1; i <= users; i++) Count(sender.Submit(Request(options, i)));
            Count(sender.Complete());
            return (succeeded, failed);
        }

        // --fail-every N: every Nth row names a user the pool does not have (UserNotFoundException), so the history
        // has failures to keep.
        internal static ResendConfirmationCodeRequest Request(Options options, int i) => new ResendConfirmationCodeRequest
        {
            ClientId = options.ClientId,
            Username = options.FailEvery > 0 && i % options.FailEvery == 0 ? "ghost" + i.ToString(CultureInfo.InvariantCulture) : FakeCognitoService.SeededUsername(i, options.Digits),
        };

        internal sealed class MemoryResult
        {
            public long Requests { get; set; }
            public long Succeeded { get; set; }
            public long Failed { get; set; }
            public double Seconds { get; set; }
            public long PeakWorkingSetBytes { get; set; }
            public long RetainedHeapBytesAtEnd { get; set; }
            public bool DuplicateMap { get; set; } = true;
            public long Skipped { get; set; }
            public int FailuresKept { get; set; }
            /// <summary>Null, "new" (a journal written from scratch) or "resume" (the same journal read first).</summary>
            public string Journal { get; set; }
            public int FailEvery { get; set; }
        }
    }

    internal sealed class Options
    {
        public int Users = 5000;
        public int C1Users = 1000;
        public double LatencyMs = 20;
        public int[] Concurrency = { 1, 4, 16 };
        public int OverheadUsers = 3000;
        public int MemoryUsers = 100000;
        public bool NoJs;
        public string Pwsh;
        public bool NoPwsh;
        public string Out;
        public bool Quick;
        public bool Help;
        // --memory child mode (started by the benchmark itself).
        public bool MemoryChild;
        public bool NoDuplicateMap;
        public string JournalPath;
        public int FailEvery;
        public string Endpoint;
        public int Digits = 4;
        public int MemoryConcurrency = 16;
        public string ClientId = "demoappclient1";
        public bool RateOnly;
        public bool NoRate;
        public int RateSeconds = 30;
        public int StormUsers = 5000;
        public int[] Quotas = { 10, 50, 200 };
        public double[] RateBursts = { 0.1, 1, 5 };
        public bool RateLog;
        public bool NoIdeal;
        public bool ListingOnly;
        public bool NoListing;
        public int ListingUsers = 10000;
        public int ListingRounds = 2;

        public static Options Parse(string[] args)
        {
            var o = new Options();
            var set = new HashSet<string>();
            for (var i = 0; i < args.Length; i++)
            {
                var arg = args[i];
                string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException(arg + " needs a value.");
                int Int() => int.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 0 ? v : throw new ArgumentException(arg + " expects a whole number >= 0.");
                set.Add(arg);
                switch (arg)
                {
                    case "--users": o.Users = Int(); break;
                    case "--c1-users": o.C1Users = Int(); break;
                    case "--latency-ms": o.LatencyMs = double.Parse(Value(), CultureInfo.InvariantCulture); break;
                    case "--concurrency": o.Concurrency = Value().Split(',').Select(s => int.Parse(s.Trim(), CultureInfo.InvariantCulture)).ToArray(); break;
                    case "--overhead-users": o.OverheadUsers = Int(); break;
                    case "--memory-users": o.MemoryUsers = Int(); break;
                    case "--no-js": o.NoJs = true; break;
                    case "--pwsh": o.Pwsh = Value(); break;
                    case "--no-pwsh": o.NoPwsh = true; break;
                    case "--out": o.Out = Value(); break;
                    case "--quick": o.Quick = true; break;
                    case "--memory": o.MemoryChild = true; break;
                    case "--no-duplicate-map": o.NoDuplicateMap = true; break;
                    case "--journal": o.JournalPath = Value(); break;
                    case "--fail-every": o.FailEvery = Int(); break;
                    case "--endpoint": o.Endpoint = Value(); break;
                    case "--digits": o.Digits = Int(); break;
                    case "--memory-concurrency": o.MemoryConcurrency = Int(); break;
                    case "--rate-only": o.RateOnly = true; break;
                    case "--no-rate": o.NoRate = true; break;
                    case "--rate-seconds": o.RateSeconds = Math.Max(1, Int()); break;
                    case "--storm-users": o.StormUsers = Math.Max(0, Int()); break;
                    case "--quotas": o.Quotas = Value().Split(',').Select(q => int.Parse(q, CultureInfo.InvariantCulture)).ToArray(); break;
                    case "--rate-bursts": o.RateBursts = Value().Split(',').Select(b => double.Parse(b, CultureInfo.InvariantCulture)).ToArray(); break;
                    case "--rate-log": o.RateLog = true; break;
                    case "--no-ideal": o.NoIdeal = true; break;
                    case "--listing-only": o.ListingOnly = true; break;
                    case "--no-listing": o.NoListing = true; break;
                    case "--listing-users": o.ListingUsers = Math.Max(1, Int()); break;
                    case "--listing-rounds": o.ListingRounds = Math.Max(1, Int()); break;
                    case "--help": case "-h": o.Help = true; break;
                    default: throw new ArgumentException("Unknown option '" + arg + "'.");
                }
            }
            if (o.Quick)
            {
                if (!set.Contains("--users")) o.Users = 300;
                if (!set.Contains("--c1-users")) o.C1Users = 100;
                if (!set.Contains("--overhead-users")) o.OverheadUsers = 300;
                if (!set.Contains("--memory-users")) o.MemoryUsers = 10000;
                if (!set.Contains("--rate-seconds")) o.RateSeconds = 5;
                if (!set.Contains("--storm-users")) o.StormUsers = 1000;
                if (!set.Contains("--listing-users")) o.ListingUsers = 500;
            }
            if (o.Pwsh == null && !o.NoPwsh && !o.MemoryChild) o.Pwsh = FindOnPath(OperatingSystem.IsWindows() ? "pwsh.exe" : "pwsh");
            if (o.MemoryChild && o.Endpoint == null) throw new ArgumentException("--memory needs --endpoint.");
            if (o.Users < 1) throw new ArgumentException("--users must be at least 1.");
            return o;
        }

        private static string FindOnPath(string file)
        {
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
            {
                if (dir.Length == 0) continue;
                var candidate = Path.Combine(dir, file);
                if (File.Exists(candidate)) return candidate;
            }
            return null;
        }
    }

    /// <summary>One measured run of one client.</summary>
    internal sealed class RunResult
    {
        public string Client { get; set; }
        public double LatencyMs { get; set; }
        public int Concurrency { get; set; }
        public long Requests { get; set; }
        public long Succeeded { get; set; }
        public long Failed { get; set; }
        public double Seconds { get; set; }
        public double CpuMicros { get; set; }
        public double RequestsPerSecond => Seconds > 0 ? Requests / Seconds : 0;
        public double CpuMicrosPerRequest => Requests > 0 ? CpuMicros / Requests : 0;
        public double WallMicrosPerRequest => Requests > 0 ? Seconds * 1e6 / Requests : 0;
        public string Note { get; set; }
    }

    internal sealed class Runner
    {
        private readonly Options _options;
        private readonly string _repoRoot;
        private readonly List<string> _notes = new List<string>();
        private readonly List<RunResult> _throughput = new List<RunResult>();
        private readonly List<RunResult> _overhead = new List<RunResult>();
        private readonly List<(int Users, Program.MemoryResult Result)> _memory = new List<(int, Program.MemoryResult)>();
        private RunResult _pwsh;

        public Runner(Options options)
        {
            _options = options;
            _repoRoot = FindRepoRoot();
        }

        public int Run()
        {
            var total = Stopwatch.StartNew();
            var jsScript = _repoRoot == null ? null : Path.Combine(_repoRoot, "tests", "conformance", "bench-js.mjs");
            var js = !_options.NoJs && JsAvailable(jsScript);
            Console.WriteLine($"CognitoTools bulk benchmark: {Environment.ProcessorCount} cores, .NET {Environment.Version}, {(js ? "node " + NodeVersion() : "no JS SDK")}");
            Console.WriteLine($"Endpoint: CognitoTools.TestEndpoint in a child process; added latency {_options.LatencyMs} ms; no rate limit (MaxRequestsPerSecond 0); MaxAttempts 3 on both sides.");
            Console.WriteLine();

            if (_options.ListingOnly)
            {
                var listingReport = new ListingBenchmark(_options, _repoRoot).Run();
                Console.WriteLine();
                Console.Write(listingReport);
                if (_options.Out != null) File.WriteAllText(_options.Out, listingReport);
                return 0;
            }

            if (_options.RateOnly)
            {
                var rateReport = new RateControlBenchmark(_options, js ? jsScript : null).Run();
                Console.WriteLine();
                Console.Write(rateReport);
                if (_options.Out != null) File.WriteAllText(_options.Out, rateReport);
                return 0;
            }

            using (var server = EndpointProcess.Start(_options.LatencyMs, _options.Users))
            {
                foreach (var c in _options.Concurrency)
                {
                    var n = c == 1 ? Math.Min(_options.Users, Math.Max(1, _options.C1Users)) : _options.Users;
                    var ours = RunOurs(server, c, n, _options.LatencyMs);
                    _throughput.Add(ours);
                    Console.WriteLine(Describe(ours));
                    if (js)
                    {
                        var theirs = RunJs(jsScript, server, c, n, _options.LatencyMs);
                        _throughput.Add(theirs);
                        Console.WriteLine(Describe(theirs));
                    }
                }
            }

            var zeroUsers = Math.Max(_options.OverheadUsers, _options.MemoryUsers);
            using (var server = EndpointProcess.Start(0, Math.Max(1, zeroUsers)))
            {
                if (_options.OverheadUsers > 0)
                {
                    foreach (var c in new[] { 1, 16 })
                    {
                        var ours = RunOurs(server, c, _options.OverheadUsers, 0);
                        _overhead.Add(ours);
                        Console.WriteLine(Describe(ours));
                        if (js)
                        {
                            var theirs = RunJs(jsScript, server, c, _options.OverheadUsers, 0);
                            _overhead.Add(theirs);
                            Console.WriteLine(Describe(theirs));
                        }
                    }
                }
                if (_options.MemoryUsers > 0)
                {
                    // A tenth of the users first: what grows with the batch shows as the difference. The last run turns
                    // the duplicate map off, to show what it costs.
                    foreach (var (users, map) in new[] { (Math.Max(1, _options.MemoryUsers / 10), true), (_options.MemoryUsers, true), (_options.MemoryUsers, false) })
                    {
                        var result = RunMemoryChild(server, users, map);
                        _memory.Add((users, result));
                        Console.WriteLine($"  memory: {users,7} users streamed in {result.Seconds:F1} s{(map ? string.Empty : " (no duplicate map)")}, peak working set {Mb(result.PeakWorkingSetBytes)} MB, heap retained at end {Mb(result.RetainedHeapBytesAtEnd)} MB ({result.Failed} failed)");
                    }
                    // A long journaled batch where every 10th row fails (all failures stay in the history), then the
                    // same batch again with the same journal: the rerun reads every row's state and skips them.
                    var journal = Path.Combine(Path.GetTempPath(), "cgip-bench-journal-" + Environment.ProcessId + ".csv");
                    try
                    {
                        foreach (var (users, mode) in new[] { (Math.Max(1, _options.MemoryUsers / 10), "new"), (_options.MemoryUsers, "new"), (_options.MemoryUsers, "resume") })
                        {
                            if (mode == "new") File.Delete(journal);
                            var result = RunMemoryChild(server, users, true, journal, 10);
                            result.Journal = mode;
                            _memory.Add((users, result));
                            Console.WriteLine($"  memory: {users,7} users, journal ({mode}), every 10th fails: {result.Seconds:F1} s, peak working set {Mb(result.PeakWorkingSetBytes)} MB, heap retained at end {Mb(result.RetainedHeapBytesAtEnd)} MB, {result.FailuresKept} failures in the history, {result.Skipped} skipped");
                        }
                    }
                    finally { File.Delete(journal); }
                }
                if (_options.Pwsh != null) RunPwsh(server);
            }

            var report = Report(js, total.Elapsed);
            if (!_options.NoRate) report += Environment.NewLine + new RateControlBenchmark(_options, js ? jsScript : null).Run();
            if (!_options.NoListing) report += Environment.NewLine + new ListingBenchmark(_options, _repoRoot).Run();
            Console.WriteLine();
            Console.Write(report);
            if (_options.Out != null)
            {
                File.WriteAllText(_options.Out, report);
                File.WriteAllText(_options.Out + ".json", JsonSerializer.Serialize(new
                {
                    latencyMs = _options.LatencyMs,
                    throughput = _throughput,
                    overhead = _overhead,
                    memory = _memory.Select(m => new { users = m.Users, m.Result.DuplicateMap, m.Result.PeakWorkingSetBytes, m.Result.RetainedHeapBytesAtEnd, m.Result.Seconds, m.Result.Journal, m.Result.FailuresKept, m.Result.Skipped }),
                    pwsh = _pwsh,
                    notes = _notes,
                }, new JsonSerializerOptions { WriteIndented = true }));
                Console.WriteLine($"Written to {_options.Out} and {_options.Out}.json");
            }
            return 0;
        }

        private RunResult RunOurs(EndpointProcess server, int concurrency, int users, double latencyMs)
        {
            var options = _options;
            var config = new CognitoClientConfig { ServiceUrl = new Uri(server.Url), MaxAttempts = 3, MaxConnectionsPerServer = Math.Max(concurrency, 16) };
            using (var client = new CognitoIdpClient(config))
            {
                // Warm-up (not counted): JIT, connection pool, like the JS side's warm-up.
                SendBatch(client, concurrency, Math.Min(200, users), server.Digits);
                GC.Collect();
                GC.WaitForPendingFinalizers();

                using (var self = Process.GetCurrentProcess())
                {
                    var cpuBefore = self.TotalProcessorTime;
                    var watch = Stopwatch.StartNew();
                    var (succeeded, failed) = SendBatch(client, concurrency, users, server.Digits);
                    watch.Stop();
                    self.Refresh();
                    var cpu = self.TotalProcessorTime - cpuBefore;
                    return new RunResult
                    {
                        Client = "CognitoTools",
                        LatencyMs = latencyMs,
                        Concurrency = concurrency,
                        Requests = users,
                        Succeeded = succeeded,
                        Failed = failed,
                        Seconds = watch.Elapsed.TotalSeconds,
                        CpuMicros = cpu.TotalMilliseconds * 1000,
                    };
                }
            }
        }

        private (long, long) SendBatch(CognitoIdpClient client, int concurrency, int users, int digits)
        {
            // The cmdlet's defaults apart from the limits: ordered output, the default-sized session history.
            var sendOptions = new BulkSendOptions { ThrottleLimit = concurrency, MaxRequestsPerSecond = 0 };
            var requestOptions = new Options { Digits = digits, ClientId = _options.ClientId };
            using (var sender = new BulkSender(client, sendOptions, new CommandHistory()))
            {
                return Program.SendAll(sender, requestOptions, users);
            }
        }

        private RunResult RunJs(string script, EndpointProcess server, int concurrency, int users, double latencyMs)
        {
            var args = $"\"{script}\" --endpoint {server.Url} --users {users} --concurrency {concurrency} --digits {server.Digits} --warmup {Math.Min(200, users)} --client-id {_options.ClientId}";
            var (exit, stdout, stderr) = ChildProcess.Run("node", args, TimeSpan.FromMinutes(10), new Dictionary<string, string> { ["NODE_NO_WARNINGS"] = "1" });
            if (exit != 0) throw new InvalidOperationException("bench-js.mjs failed (exit " + exit + "): " + stderr);
            var line = stdout.Split('\n').Last(l => l.TrimStart().StartsWith("{", StringComparison.Ordinal));
            using (var doc = JsonDocument.Parse(line))
            {
                var root = doc.RootElement;
                return new RunResult
                {
                    Client = "AWS JS SDK v3",
                    LatencyMs = latencyMs,
                    Concurrency = concurrency,
                    Requests = root.GetProperty("requests").GetInt64(),
                    Succeeded = root.GetProperty("succeeded").GetInt64(),
                    Failed = root.GetProperty("failed").GetInt64(),
                    Seconds = root.GetProperty("seconds").GetDouble(),
                    CpuMicros = root.GetProperty("cpuMicros").GetDouble(),
                };
            }
        }

        private Program.MemoryResult RunMemoryChild(EndpointProcess server, int users, bool duplicateMap, string journal = null, int failEvery = 0)
        {
            var self = typeof(Program).Assembly.Location;
            var args = $"\"{self}\" --memory --endpoint {server.Url} --users {users} --digits {server.Digits} --memory-concurrency 16" + (duplicateMap ? string.Empty : " --no-duplicate-map")
                + (journal == null ? string.Empty : $" --journal \"{journal}\"") + (failEvery > 0 ? $" --fail-every {failEvery}" : string.Empty);
            var (exit, stdout, stderr) = ChildProcess.Run("dotnet", args, TimeSpan.FromMinutes(10), null);
            if (exit != 0) throw new InvalidOperationException("memory child failed (exit " + exit + "): " + stderr);
            var line = stdout.Split('\n').Last(l => l.TrimStart().StartsWith("{", StringComparison.Ordinal));
            var result = JsonSerializer.Deserialize<Program.MemoryResult>(line);
            result.DuplicateMap = duplicateMap;
            return result;
        }

        private void RunPwsh(EndpointProcess server)
        {
            var module = _repoRoot == null ? null : Directory.GetDirectories(Path.Combine(_repoRoot, "out", "CognitoTools")).OrderBy(d => d).LastOrDefault();
            if (module == null || !File.Exists(Path.Combine(module, "CognitoTools.psd1")))
            {
                _notes.Add("pwsh: the built module (out/CognitoTools/<version>/) was not found; build the solution first.");
                return;
            }
            var users = Math.Min(_options.Users, 2000);
            var csv = Path.Combine(Path.GetTempPath(), "cgip-bench-" + Environment.ProcessId + ".csv");
            var lines = new StringBuilder("Username,ClientId\n");
            for (var i = 1; i <= users; i++) lines.Append(FakeCognitoService.SeededUsername(i, server.Digits)).Append(',').Append(_options.ClientId).Append('\n');
            File.WriteAllText(csv, lines.ToString());
            try
            {
                // Outputs and errors are counted so a run that failed quietly cannot pass for a fast one.
                var script = $"$ProgressPreference='SilentlyContinue'; Import-Module '{Path.Combine(module, "CognitoTools.psd1")}' -ErrorAction Stop; " +
                             // Warm-up (not measured): module load, JIT and the first connection, as the other runs get.
                             $"Import-Csv '{csv}' | Select-Object -First 50 | Send-CGIPConfirmationCode -EndpointUrl '{server.Url}' -Region us-east-1 -ThrottleLimit 16 -MaxRequestsPerSecond 0 -Force | Out-Null; " +
                             "$global:n = 0; $Error.Clear(); " +
                             $"$t = Measure-Command {{ Import-Csv '{csv}' | Send-CGIPConfirmationCode -EndpointUrl '{server.Url}' -Region us-east-1 -ThrottleLimit 16 -MaxRequestsPerSecond 0 -Force -ErrorAction SilentlyContinue | ForEach-Object {{ $global:n++ }} }}; " +
                             "[Console]::Out.WriteLine($global:n.ToString() + ' ' + $Error.Count + ' ' + $t.TotalSeconds.ToString([Globalization.CultureInfo]::InvariantCulture))";
                var (exit, stdout, stderr) = ChildProcess.Run(_options.Pwsh, "-NoProfile -NonInteractive -Command \"" + script.Replace("\"", "\\\"") + "\"", TimeSpan.FromMinutes(10), null);
                var last = (stdout.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0) ?? string.Empty).Split(' ');
                if (exit != 0 || last.Length != 3 || !long.TryParse(last[0], out var outputs) || !long.TryParse(last[1], out var errors)
                    || !double.TryParse(last[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
                {
                    _notes.Add("pwsh run failed: " + (stderr.Length > 300 ? stderr.Substring(0, 300) : stderr) + " " + stdout);
                    return;
                }
                if (outputs != users) _notes.Add($"pwsh: {outputs} outputs and {errors} errors for {users} users");
                _pwsh = new RunResult { Client = "Import-Csv | Send-CGIPConfirmationCode", LatencyMs = 0, Concurrency = 16, Requests = users, Succeeded = outputs, Failed = errors, Seconds = seconds };
                Console.WriteLine($"  pwsh: {users} users through the cmdlet (ThrottleLimit 16, zero latency) in {seconds:F2} s = {users / seconds:F0} requests/s");
            }
            finally
            {
                try { File.Delete(csv); } catch (IOException) { }
            }
        }

        private string Report(bool js, TimeSpan elapsed)
        {
            var sb = new StringBuilder();
            var latency = _options.LatencyMs;
            sb.AppendLine($"== Throughput: {latency} ms added latency, no rate limit ==");
            sb.AppendLine("conc | requests | ours req/s | JS req/s | ratio | ours CPU us/req | JS CPU us/req | CPU ratio | ideal req/s | ours % ideal");
            foreach (var c in _options.Concurrency)
            {
                var ours = _throughput.FirstOrDefault(r => r.Concurrency == c && r.Client == "CognitoTools");
                var theirs = _throughput.FirstOrDefault(r => r.Concurrency == c && r.Client != "CognitoTools");
                var ideal = latency > 0 ? c * 1000.0 / latency : double.NaN;
                sb.AppendLine(string.Format(CultureInfo.InvariantCulture, "{0,4} | {1,8} | {2,10:F0} | {3,8} | {4,5} | {5,15:F0} | {6,13} | {7,9} | {8,11:F0} | {9,11:F1}%",
                    c, ours.Requests, ours.RequestsPerSecond, theirs == null ? "-" : theirs.RequestsPerSecond.ToString("F0", CultureInfo.InvariantCulture),
                    theirs == null ? "-" : (ours.RequestsPerSecond / theirs.RequestsPerSecond).ToString("F2", CultureInfo.InvariantCulture),
                    ours.CpuMicrosPerRequest, theirs == null ? "-" : theirs.CpuMicrosPerRequest.ToString("F0", CultureInfo.InvariantCulture),
                    theirs == null ? "-" : (ours.CpuMicrosPerRequest / theirs.CpuMicrosPerRequest).ToString("F2", CultureInfo.InvariantCulture),
                    ideal, ours.RequestsPerSecond / ideal * 100));
            }
            sb.AppendLine("(ratio = ours / JS: above 1 is faster; CPU ratio below 1 is cheaper. CPU is each client process's own user+system time.)");
            sb.AppendLine();

            if (_overhead.Count > 0)
            {
                sb.AppendLine("== Client overhead: zero added latency ==");
                sb.AppendLine("conc | requests | ours req/s | JS req/s | ours wall us/req | JS wall us/req | ours CPU us/req | JS CPU us/req | CPU ratio");
                foreach (var c in _overhead.Select(r => r.Concurrency).Distinct())
                {
                    var ours = _overhead.First(r => r.Concurrency == c && r.Client == "CognitoTools");
                    var theirs = _overhead.FirstOrDefault(r => r.Concurrency == c && r.Client != "CognitoTools");
                    sb.AppendLine(string.Format(CultureInfo.InvariantCulture, "{0,4} | {1,8} | {2,10:F0} | {3,8} | {4,16:F0} | {5,14} | {6,15:F0} | {7,13} | {8,9}",
                        c, ours.Requests, ours.RequestsPerSecond, theirs == null ? "-" : theirs.RequestsPerSecond.ToString("F0", CultureInfo.InvariantCulture),
                        ours.WallMicrosPerRequest, theirs == null ? "-" : theirs.WallMicrosPerRequest.ToString("F0", CultureInfo.InvariantCulture),
                        ours.CpuMicrosPerRequest, theirs == null ? "-" : theirs.CpuMicrosPerRequest.ToString("F0", CultureInfo.InvariantCulture),
                        theirs == null ? "-" : (ours.CpuMicrosPerRequest / theirs.CpuMicrosPerRequest).ToString("F2", CultureInfo.InvariantCulture)));
                }
                sb.AppendLine("(2 cores are shared with the endpoint process, so at zero latency wall time includes the server's work.)");
                sb.AppendLine();
            }

            if (_memory.Count > 0)
            {
                sb.AppendLine("== Memory: users streamed through BulkSender (ThrottleLimit 16, default history of 1000) ==");
                foreach (var (users, result) in _memory)
                    sb.AppendLine(string.Format(CultureInfo.InvariantCulture, "{0,7} users{4}: peak working set {1} MB, managed heap retained at the end {2} MB, {3:F1} s{5}",
                        users, Mb(result.PeakWorkingSetBytes), Mb(result.RetainedHeapBytesAtEnd), result.Seconds, result.DuplicateMap ? string.Empty : " (no duplicate map)",
                        result.Journal == null ? string.Empty : $" [journal {result.Journal}, every 10th fails: {result.FailuresKept} failures kept in the history, {result.Skipped} skipped]"));
                sb.AppendLine($"(Per item, only the duplicate map's entry outlives its outcome: up to {BulkSendOptions.DefaultDuplicateWindow:N0} user keys with their answers. The history keeps its last 1,000 successes and up to {CommandHistory.DefaultFailureCapacity:N0} failures; a resumed journal holds one state per row of the journal.)");
                sb.AppendLine();
            }

            if (_pwsh != null)
            {
                sb.AppendLine("== Through the cmdlet ==");
                sb.AppendLine(string.Format(CultureInfo.InvariantCulture, "{0}: {1} users, ThrottleLimit 16, zero latency: {2:F2} s = {3:F0} requests/s",
                    _pwsh.Client, _pwsh.Requests, _pwsh.Seconds, _pwsh.RequestsPerSecond));
                sb.AppendLine();
            }

            sb.AppendLine("== Targets ==");
            var allMet = true;
            foreach (var c in _options.Concurrency)
            {
                var ours = _throughput.First(r => r.Concurrency == c && r.Client == "CognitoTools");
                var theirs = _throughput.FirstOrDefault(r => r.Concurrency == c && r.Client != "CognitoTools");
                if (theirs != null)
                {
                    var met = ours.RequestsPerSecond >= theirs.RequestsPerSecond;
                    allMet &= met;
                    sb.AppendLine(string.Format(CultureInfo.InvariantCulture, "[{0}] concurrency {1}: ours {2:F0} req/s >= JS {3:F0} req/s", met ? "PASS" : "FAIL", c, ours.RequestsPerSecond, theirs.RequestsPerSecond));
                }
                if (c == 16 && latency > 0)
                {
                    var ideal = 16 * 1000.0 / latency;
                    var met = ours.RequestsPerSecond >= 0.9 * ideal;
                    allMet &= met;
                    sb.AppendLine(string.Format(CultureInfo.InvariantCulture, "[{0}] concurrency 16: ours {1:F0} req/s >= 90% of 16/latency ({2:F0} req/s)", met ? "PASS" : "FAIL", ours.RequestsPerSecond, 0.9 * ideal));
                }
            }
            var failures = _throughput.Concat(_overhead).Where(r => r.Failed > 0).ToList();
            foreach (var f in failures) sb.AppendLine($"[WARN] {f.Client} concurrency {f.Concurrency}: {f.Failed} of {f.Requests} requests failed");
            if (!js) sb.AppendLine("[SKIP] JS SDK comparison (--no-js, or node / tests/conformance/node_modules missing: run npm ci there)");
            foreach (var note in _notes) sb.AppendLine("[NOTE] " + note);
            sb.AppendLine(allMet ? "All targets met." : "Some targets were NOT met.");
            sb.AppendLine($"Benchmark took {elapsed.TotalSeconds:F0} s.");
            return sb.ToString();
        }

        private static string Describe(RunResult r)
            => string.Format(CultureInfo.InvariantCulture, "  {0,-14} latency {1,3} ms, concurrency {2,2}: {3,6} requests in {4,7:F2} s = {5,7:F0} req/s, CPU {6,6:F0} us/request{7}",
                r.Client, r.LatencyMs, r.Concurrency, r.Requests, r.Seconds, r.RequestsPerSecond, r.CpuMicrosPerRequest, r.Failed > 0 ? $" ({r.Failed} failed)" : string.Empty);

        private static string Mb(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("F1", CultureInfo.InvariantCulture);

        private bool JsAvailable(string script)
        {
            if (script == null || !File.Exists(script)) { _notes.Add("bench-js.mjs not found"); return false; }
            var sdk = Path.Combine(Path.GetDirectoryName(script), "node_modules", "@aws-sdk", "client-cognito-identity-provider");
            if (!Directory.Exists(sdk)) { _notes.Add("tests/conformance/node_modules is missing: run npm ci in tests/conformance"); return false; }
            return NodeVersion() != null;
        }

        private static string NodeVersion()
        {
            try
            {
                var (exit, stdout, _) = ChildProcess.Run("node", "--version", TimeSpan.FromSeconds(30), null);
                return exit == 0 ? stdout.Trim() : null;
            }
            catch (System.ComponentModel.Win32Exception) { return null; }
        }

        private static string FindRepoRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "CognitoTools.psd1"))) return dir.FullName;
            }
            return null;
        }
    }

    /// <summary>The test endpoint as a child process (its CPU is not ours), stopped when disposed.</summary>
    internal sealed class EndpointProcess : IDisposable
    {
        private readonly Process _process;
        private readonly string _portFile;

        private EndpointProcess(Process process, string portFile, string url, int digits)
        {
            _process = process;
            _portFile = portFile;
            Url = url;
            Digits = digits;
        }

        public string Url { get; }
        /// <summary>Zero-padding of the seeded usernames (user0001...).</summary>
        public int Digits { get; }

        public static EndpointProcess Start(double latencyMs, int users, params string[] extraArguments)
        {
            var dll = EndpointProcessStart.AssemblyPath;
            if (!File.Exists(dll)) throw new FileNotFoundException("The test endpoint was not built next to the benchmark.", dll);
            var portFile = Path.Combine(Path.GetTempPath(), "cgip-bench-port-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N") + ".txt");
            var start = EndpointProcessStart.StartInfo(new[]
            {
                "--port", "0", "--port-file", portFile, "--latency-ms", latencyMs.ToString(CultureInfo.InvariantCulture),
                "--seed-users", users.ToString(CultureInfo.InvariantCulture), "--resend-limit", "0", "--exit-when-stdin-closes",
            }.Concat(extraArguments ?? Array.Empty<string>()).ToArray());
            // Server GC off and one heap: the endpoint should not take more of the 2 cores than it needs.
            start.Environment["DOTNET_gcServer"] = "0";
            var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the test endpoint.");
            process.OutputDataReceived += (_, __) => { };
            process.ErrorDataReceived += (_, __) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            var waited = Stopwatch.StartNew();
            while (!File.Exists(portFile))
            {
                if (process.HasExited) throw new InvalidOperationException("The test endpoint exited with code " + process.ExitCode + ".");
                if (waited.Elapsed > TimeSpan.FromSeconds(60)) { process.Kill(); throw new TimeoutException("The test endpoint did not start within 60 s."); }
                Thread.Sleep(20);
            }
            var port = int.Parse(File.ReadAllText(portFile).Trim(), CultureInfo.InvariantCulture);
            var digits = FakeCognitoService.SeedDigits(users);
            return new EndpointProcess(process, portFile, $"http://127.0.0.1:{port}/", digits);
        }

        public void Dispose()
        {
            try
            {
                _process.StandardInput.Close(); // --exit-when-stdin-closes
                if (!_process.WaitForExit(5000)) _process.Kill();
            }
            catch (InvalidOperationException) { }
            _process.Dispose();
            try { File.Delete(_portFile); } catch (IOException) { }
        }
    }

    internal static class ChildProcess
    {
        public static (int ExitCode, string Stdout, string Stderr) Run(string file, string arguments, TimeSpan timeout, IDictionary<string, string> environment)
        {
            var start = new ProcessStartInfo(file, arguments)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            if (environment != null) foreach (var pair in environment) start.Environment[pair.Key] = pair.Value;
            using (var process = Process.Start(start))
            {
                var stdout = process.StandardOutput.ReadToEndAsync();
                var stderr = process.StandardError.ReadToEndAsync();
                if (!process.WaitForExit((int)timeout.TotalMilliseconds))
                {
                    process.Kill(entireProcessTree: true);
                    throw new TimeoutException(file + " did not finish within " + timeout + ".");
                }
                process.WaitForExit();
                return (process.ExitCode, stdout.Result, stderr.Result);
            }
        }
    }
}
