using System;
using System.Threading.Tasks;

namespace CognitoTools.FrameworkHarness
{
    /// <summary>A check that did not hold; its message says what was seen.</summary>
    internal sealed class CheckFailedException : Exception
    {
        public CheckFailedException(string message) : base(message) { }
    }

    /// <summary>One PASS/FAIL line per check, and the closing `mono: N passed, N failed` line.</summary>
    internal sealed class Report
    {
        private readonly object _gate = new object();
        private bool _closed;

        public int Passed { get; private set; }
        public int Failed { get; private set; }

        public static void Expect(bool condition, string whatWasSeen)
        {
            if (!condition) throw new CheckFailedException(whatWasSeen);
        }

        /// <summary>
        /// Runs one check with its own time limit. The body returns what it saw (shown after PASS); it throws
        /// CheckFailedException (or anything else) to fail. A check that overruns fails and is left behind.
        /// </summary>
        public void Check(string name, TimeSpan timeout, Func<string> body)
        {
            var task = Task.Run(body);
            string detail;
            try
            {
                if (!task.Wait(timeout))
                {
                    Fail(name, "no result within " + timeout.TotalSeconds + " s");
                    return;
                }
                detail = task.Result;
            }
            catch (AggregateException ex)
            {
                var inner = ex.Flatten().InnerException ?? ex;
                Fail(name, inner is CheckFailedException ? inner.Message : inner.GetType().FullName + ": " + inner.Message);
                return;
            }
            Pass(name, detail);
        }

        public void Pass(string name, string detail)
        {
            lock (_gate)
            {
                if (_closed) return;
                Passed++;
                Console.Out.WriteLine("PASS " + name + (string.IsNullOrEmpty(detail) ? string.Empty : " (" + detail + ")"));
                Console.Out.Flush();
            }
        }

        public void Fail(string name, string why)
        {
            lock (_gate)
            {
                if (_closed) return;
                Failed++;
                Console.Out.WriteLine("FAIL " + name + ": " + why);
                Console.Out.Flush();
            }
        }

        public void Info(string line)
        {
            lock (_gate)
            {
                if (_closed) return;
                Console.Out.WriteLine("  " + line);
                Console.Out.Flush();
            }
        }

        /// <summary>Prints the closing line once (later lines are dropped) and returns the exit code.</summary>
        public int Close()
        {
            lock (_gate)
            {
                if (!_closed)
                {
                    _closed = true;
                    Console.Out.WriteLine("mono: " + Passed + " passed, " + Failed + " failed");
                    Console.Out.Flush();
                }
                return Failed == 0 && Passed > 0 ? 0 : 1;
            }
        }
    }
}
