using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;

namespace CognitoTools.TestEndpoint
{
    public enum FaultKind
    {
        /// <summary>5xx status; InternalErrorException body unless EmptyBody.</summary>
        ServerError,
        /// <summary>TooManyRequestsException "Rate exceeded" (400 as Cognito sends it, or the service's ThrottleStatusCode).</summary>
        Throttle,
        /// <summary>The real answer, after Delay (choose it longer than the client's read timeout).</summary>
        Slow,
        /// <summary>The connection closes without an answer (or is reset).</summary>
        Drop,
        /// <summary>A JSON body cut short: Content-Length announces the whole body, then the connection closes.</summary>
        TruncatedJson,
        /// <summary>An HTML page (what a proxy or load balancer sends) instead of JSON.</summary>
        Html,
        /// <summary>A body that is not JSON at all, labelled as JSON.</summary>
        NonJson,
        /// <summary>The normal JSON body labelled with another content type.</summary>
        WrongContentType,
        /// <summary>The real answer, then the connection closes without "Connection: close" (as an idle-timeout proxy does): the client's next request on it fails.</summary>
        CloseConnection,
    }

    /// <summary>
    /// One injected fault. By default the request is not processed (no delivery, nothing counted against the user's
    /// limit); <see cref="AfterProcessing"/> makes the service do the work first and then spoil the answer, as happens
    /// when a response is lost on the way back. Slow and CloseConnection faults always process.
    /// </summary>
    public sealed class Fault
    {
        private readonly List<KeyValuePair<string, string>> _extraHeaders = new List<KeyValuePair<string, string>>();

        private Fault(FaultKind kind) { Kind = kind; }

        public FaultKind Kind { get; }
        /// <summary>Status to answer with; null keeps the kind's default.</summary>
        public int? StatusCode { get; private set; }
        /// <summary>ServerError only: no body at all instead of InternalErrorException.</summary>
        public bool EmptyBody { get; private set; }
        /// <summary>Slow only: how long to hold the answer.</summary>
        public TimeSpan Delay { get; private set; }
        /// <summary>Drop only: TCP reset instead of an orderly close.</summary>
        public bool Reset { get; private set; }
        /// <summary>WrongContentType only.</summary>
        public string ContentType { get; private set; }
        /// <summary>Value of a Retry-After header to add, or null.</summary>
        public string RetryAfter { get; private set; }
        public bool Processed { get; private set; }
        public IReadOnlyList<KeyValuePair<string, string>> ExtraHeaders => _extraHeaders;

        public static Fault ServerError(int statusCode = 500, bool emptyBody = false) => new Fault(FaultKind.ServerError) { StatusCode = statusCode, EmptyBody = emptyBody };
        public static Fault InternalError() => ServerError(500);
        public static Fault BadGateway(bool emptyBody = true) => ServerError(502, emptyBody);
        public static Fault ServiceUnavailable(bool emptyBody = true) => ServerError(503, emptyBody);
        public static Fault GatewayTimeout(bool emptyBody = true) => ServerError(504, emptyBody);
        public static Fault Throttle(int? statusCode = null) => new Fault(FaultKind.Throttle) { StatusCode = statusCode };
        public static Fault Slow(TimeSpan delay) => new Fault(FaultKind.Slow) { Delay = delay, Processed = true };
        public static Fault Drop(bool reset = false) => new Fault(FaultKind.Drop) { Reset = reset };
        public static Fault TruncatedJson(int statusCode = 200) => new Fault(FaultKind.TruncatedJson) { StatusCode = statusCode };
        public static Fault Html(int statusCode = 200) => new Fault(FaultKind.Html) { StatusCode = statusCode };
        public static Fault NonJson(int statusCode = 200) => new Fault(FaultKind.NonJson) { StatusCode = statusCode };
        public static Fault WrongContentType(string contentType = "text/html; charset=utf-8") => new Fault(FaultKind.WrongContentType) { ContentType = contentType };
        /// <summary>Answers normally (the request is processed), then silently closes the kept-alive connection.</summary>
        public static Fault CloseConnection() => new Fault(FaultKind.CloseConnection) { Processed = true };

        /// <summary>Adds "Retry-After: &lt;whole seconds, rounded up&gt;".</summary>
        public Fault WithRetryAfter(TimeSpan after)
        {
            RetryAfter = ((long)Math.Ceiling(after.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return this;
        }

        /// <summary>Adds a Retry-After header with this exact value (e.g. an HTTP date, or garbage to test parsing).</summary>
        public Fault WithRetryAfter(string rawValue) { RetryAfter = rawValue; return this; }

        public Fault WithHeader(string name, string value) { _extraHeaders.Add(new KeyValuePair<string, string>(name, value)); return this; }

        /// <summary>Process the request (deliver the code) before spoiling the answer.</summary>
        public Fault AfterProcessing() { Processed = true; return this; }

        public override string ToString() => Kind + (StatusCode.HasValue ? " " + StatusCode.Value : string.Empty) + (Processed ? " (after processing)" : string.Empty);

        /// <summary>Parses the standalone endpoint's --fault names: 500, 502, 503, 504, throttle, drop, reset, slow, malformed, truncated, html, nonjson, contenttype, close.</summary>
        public static Fault Parse(string name, TimeSpan slowDelay)
        {
            switch ((name ?? string.Empty).Trim().ToLowerInvariant())
            {
                case "500": return InternalError();
                case "502": return BadGateway();
                case "503": return ServiceUnavailable();
                case "504": return GatewayTimeout();
                case "throttle": return Throttle();
                case "drop": return Drop();
                case "reset": return Drop(reset: true);
                case "slow": return Slow(slowDelay);
                case "malformed":
                case "truncated": return TruncatedJson();
                case "html": return Html();
                case "nonjson": return NonJson();
                case "contenttype": return WrongContentType();
                case "close": return CloseConnection();
                default: throw new ArgumentException("Unknown fault '" + name + "'. Use 500, 502, 503, 504, throttle, drop, reset, slow, malformed, truncated, html, nonjson, contenttype or close.");
            }
        }
    }

    /// <summary>
    /// When a fault fires. Conditions combine: a rule fires for a request that names <see cref="Username"/> (if set),
    /// is the EveryNth-th such request (if set), passes the Probability draw (seeded, so repeatable), while
    /// RemainingCount lasts (if set).
    /// </summary>
    public sealed class FaultRule
    {
        internal int Matched;
        internal int Fired;

        public FaultRule(Fault fault) { Fault = fault ?? throw new ArgumentNullException(nameof(fault)); }

        public Fault Fault { get; }
        /// <summary>1 = always (default).</summary>
        public double Probability { get; set; } = 1.0;
        /// <summary>Fire on the Nth, 2Nth, ... matching request; 0 = every matching request.</summary>
        public int EveryNth { get; set; }
        /// <summary>How many more times to fire; null = unlimited.</summary>
        public int? RemainingCount { get; set; }
        /// <summary>Only requests for this username (exact, ordinal); null = all requests.</summary>
        public string Username { get; set; }

        public int MatchedCount => Volatile.Read(ref Matched);
        public int FiredCount => Volatile.Read(ref Fired);
    }

    /// <summary>One entry of a per-user fault script: this fault, on each chosen user's first <see cref="Times"/> requests.</summary>
    public sealed class UserFaultSpec
    {
        public UserFaultSpec(string kind, int times, double share, int count)
        {
            Kind = kind; Times = times; Share = share; Count = count;
        }

        /// <summary>A --fault name (500, drop, throttle, ...).</summary>
        public string Kind { get; }
        public int Times { get; }
        /// <summary>Share of the users (0..1) when <see cref="Count"/> is 0.</summary>
        public double Share { get; }
        /// <summary>A number of users, or 0 to use <see cref="Share"/>.</summary>
        public int Count { get; }

        /// <summary>Users of <paramref name="total"/> this entry picks.</summary>
        public int UsersOf(int total) => Count > 0 ? Math.Min(Count, total) : (int)Math.Round(Share * total);

        /// <summary>
        /// Parses "KIND[xTIMES]:N%|N[,...]", e.g. "500:10%,500x2:10%,drop:10%" or "throttle:60": N% of the users (or N users)
        /// get KIND on their first TIMES requests (default 1).
        /// </summary>
        public static IReadOnlyList<UserFaultSpec> ParseList(string text)
        {
            var specs = new List<UserFaultSpec>();
            foreach (var part in (text ?? string.Empty).Split(new[] { ',' }, StringSplitOptions.RemoveEmptyEntries))
            {
                var entry = part.Trim();
                var colon = entry.LastIndexOf(':');
                if (colon <= 0 || colon == entry.Length - 1) throw new ArgumentException("--user-faults entry '" + entry + "' is not KIND[xTIMES]:N% or KIND[xTIMES]:N.");
                var head = entry.Substring(0, colon);
                var amount = entry.Substring(colon + 1).Trim();
                var times = 1;
                var x = head.LastIndexOf('x');
                if (x > 0 && int.TryParse(head.Substring(x + 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsedTimes))
                {
                    if (parsedTimes < 1) throw new ArgumentException("--user-faults entry '" + entry + "': TIMES must be at least 1.");
                    times = parsedTimes;
                    head = head.Substring(0, x);
                }
                Fault.Parse(head, TimeSpan.Zero); // reject unknown kinds now
                if (amount.EndsWith("%", StringComparison.Ordinal))
                {
                    if (!double.TryParse(amount.TrimEnd('%'), NumberStyles.Float, CultureInfo.InvariantCulture, out var percent) || percent < 0 || percent > 100)
                        throw new ArgumentException("--user-faults entry '" + entry + "': the share must be 0..100%.");
                    specs.Add(new UserFaultSpec(head.Trim(), times, percent / 100, 0));
                }
                else
                {
                    if (!int.TryParse(amount, NumberStyles.Integer, CultureInfo.InvariantCulture, out var count) || count < 0)
                        throw new ArgumentException("--user-faults entry '" + entry + "': the number of users must be a whole number >= 0.");
                    specs.Add(new UserFaultSpec(head.Trim(), times, 0, count));
                }
            }
            return specs;
        }

        public override string ToString() => Kind + (Times > 1 ? "x" + Times : string.Empty) + ":" + (Count > 0 ? Count.ToString(CultureInfo.InvariantCulture) : (Share * 100).ToString(CultureInfo.InvariantCulture) + "%");
    }

    /// <summary>Thread-safe fault schedule; rules may be added or cleared while the service runs. The first rule that fires wins.</summary>
    public sealed class FaultInjector
    {
        private readonly object _gate = new object();
        private readonly List<FaultRule> _rules = new List<FaultRule>();
        // Scripted per-user faults: the next faults of each user, consumed one per request (before any rule).
        private readonly Dictionary<string, Queue<Fault>> _userFaults = new Dictionary<string, Queue<Fault>>(StringComparer.Ordinal);
        private Random _random;
        private volatile bool _hasRules;
        private int _injected;

        public FaultInjector(int seed = 12345) { _random = new Random(seed); }

        /// <summary>Restart the probability draws from this seed, so a run can be repeated exactly.</summary>
        public void Seed(int seed)
        {
            lock (_gate) _random = new Random(seed);
        }

        public int FaultsInjected => Volatile.Read(ref _injected);

        public IReadOnlyList<FaultRule> Rules
        {
            get { lock (_gate) return _rules.ToArray(); }
        }

        public FaultRule Add(FaultRule rule)
        {
            if (rule == null) throw new ArgumentNullException(nameof(rule));
            lock (_gate)
            {
                _rules.Add(rule);
                _hasRules = true;
            }
            return rule;
        }

        public FaultRule FailAlways(Fault fault) => Add(new FaultRule(fault));
        public FaultRule FailNext(int count, Fault fault) => Add(new FaultRule(fault) { RemainingCount = count });
        public FaultRule FailEveryNth(int n, Fault fault) => Add(new FaultRule(fault) { EveryNth = n });
        public FaultRule FailRandomly(double probability, Fault fault) => Add(new FaultRule(fault) { Probability = probability });
        public FaultRule FailFirstAttemptsForUser(string username, int count, Fault fault) => Add(new FaultRule(fault) { Username = username, RemainingCount = count });

        public bool Remove(FaultRule rule)
        {
            lock (_gate)
            {
                var removed = _rules.Remove(rule);
                _hasRules = _rules.Count > 0;
                return removed;
            }
        }

        public void Clear()
        {
            lock (_gate)
            {
                _rules.Clear();
                _userFaults.Clear();
                _hasRules = false;
            }
        }

        /// <summary>Each of these users gets <paramref name="fault"/> on its next <paramref name="times"/> requests (after faults already scripted for it).</summary>
        public void ScriptUserFaults(IEnumerable<string> usernames, Fault fault, int times = 1)
        {
            if (fault == null) throw new ArgumentNullException(nameof(fault));
            lock (_gate)
            {
                foreach (var user in usernames)
                {
                    if (!_userFaults.TryGetValue(user, out var queue)) _userFaults[user] = queue = new Queue<Fault>();
                    for (var i = 0; i < times; i++) queue.Enqueue(fault);
                }
                _hasRules = true;
            }
        }

        /// <summary>
        /// Deterministic per-user faults: shuffles <paramref name="users"/> with <paramref name="seed"/> and gives each spec
        /// its own, disjoint group of users (so "10% 500 once, 10% 500 twice" are 20% of the users, spread through any
        /// order of sending). Returns the users chosen per spec.
        /// </summary>
        public IReadOnlyList<IReadOnlyList<string>> AssignUserFaults(IReadOnlyList<string> users, IEnumerable<UserFaultSpec> specs, int seed, TimeSpan slowDelay)
        {
            var shuffled = new List<string>(users);
            shuffled.Sort(StringComparer.Ordinal);
            var random = new Random(seed);
            for (var i = shuffled.Count - 1; i > 0; i--)
            {
                var j = random.Next(i + 1);
                var t = shuffled[i]; shuffled[i] = shuffled[j]; shuffled[j] = t;
            }
            var chosen = new List<IReadOnlyList<string>>();
            var next = 0;
            foreach (var spec in specs)
            {
                var n = Math.Min(spec.UsersOf(users.Count), shuffled.Count - next);
                var group = shuffled.GetRange(next, n);
                next += n;
                ScriptUserFaults(group, Fault.Parse(spec.Kind, slowDelay), spec.Times);
                chosen.Add(group);
            }
            return chosen;
        }

        /// <summary>Scripted faults still waiting for their users.</summary>
        public int ScriptedFaultsLeft
        {
            get
            {
                lock (_gate)
                {
                    var n = 0;
                    foreach (var queue in _userFaults.Values) n += queue.Count;
                    return n;
                }
            }
        }

        /// <summary>The fault for this request, or null.</summary>
        internal Fault Next(string username)
        {
            if (!_hasRules) return null; // the benchmark's path: no lock
            lock (_gate)
            {
                if (username != null && _userFaults.TryGetValue(username, out var scripted) && scripted.Count > 0)
                {
                    _injected++;
                    return scripted.Dequeue();
                }
                foreach (var rule in _rules)
                {
                    if (rule.Username != null && !string.Equals(rule.Username, username, StringComparison.Ordinal)) continue;
                    if (rule.RemainingCount.HasValue && rule.RemainingCount.Value <= 0) continue;
                    var matched = ++rule.Matched;
                    if (rule.EveryNth > 0 && matched % rule.EveryNth != 0) continue;
                    if (rule.Probability < 1.0 && _random.NextDouble() >= rule.Probability) continue;
                    if (rule.RemainingCount.HasValue) rule.RemainingCount = rule.RemainingCount.Value - 1;
                    rule.Fired++;
                    _injected++;
                    return rule.Fault;
                }
                return null;
            }
        }
    }
}
