using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Threading;
using CognitoTools.Auth;
using CognitoTools.Endpoints;
using CognitoTools.Listing;
using CognitoTools.Model;
using CognitoTools.Protocol;

namespace CognitoTools.Benchmark
{
    /// <summary>
    /// Issue 16's listing section: N users in a moto_server pool (an AWS stand-in we did not write, checking every
    /// signature), listed in pages of 60 by our signed client and pager (the code under Get-CGIPUserList) and by boto3's
    /// ListUsers paginator, alternating in the same run; users per second as a ratio (target: at least 1.0).
    /// </summary>
    internal sealed class ListingBenchmark
    {
        private readonly Options _options;
        private readonly string _repoRoot;

        public ListingBenchmark(Options options, string repoRoot)
        {
            _options = options;
            _repoRoot = repoRoot;
        }

        public string Run()
        {
            var report = new StringBuilder();
            report.AppendLine($"Listing (issue 16): {_options.ListingUsers} users in a moto_server pool, pages of 60, signed; ours (CognitoUserListClient + UserListPager, as Get-CGIPUserList) against boto3's ListUsers paginator, {_options.ListingRounds} round(s) each, alternating.");
            if (_repoRoot == null) return report.AppendLine("  skipped: the repository root was not found.").ToString();
            var why = WhyNoMoto();
            if (why != null) return report.AppendLine("  skipped: " + why).ToString();

            var port = FreePort();
            var actions = 8 + 2 + _options.ListingUsers + (_options.ListingUsers + 2) / 3 + 10;
            var start = new ProcessStartInfo("moto_server", $"-H 127.0.0.1 -p {port}")
            {
                UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
            };
            start.Environment["INITIAL_NO_AUTH_ACTION_COUNT"] = actions.ToString(CultureInfo.InvariantCulture);
            using var moto = Process.Start(start);
            moto.OutputDataReceived += (_, __) => { };
            moto.ErrorDataReceived += (_, __) => { };
            moto.BeginOutputReadLine();
            moto.BeginErrorReadLine();
            try
            {
                WaitForPort(port, moto);
                var url = "http://127.0.0.1:" + port;
                var setupClock = Stopwatch.StartNew();
                var fixtureScript = Path.Combine(_repoRoot, "tests", "moto", "moto_fixture.py");
                var (exit, stdout, stderr) = ChildProcess.Run("python3", $"\"{fixtureScript}\" --endpoint {url} --users {_options.ListingUsers} --threads 8", TimeSpan.FromMinutes(30), null);
                if (exit != 0) return report.AppendLine("  failed: the moto fixture exited with " + exit + ": " + stderr).ToString();
                using var fixture = JsonDocument.Parse(stdout.Trim().Split('\n').Last());
                var pool = fixture.RootElement.GetProperty("UserPoolId").GetString();
                var key = fixture.RootElement.GetProperty("AccessKeyId").GetString();
                var secret = fixture.RootElement.GetProperty("SecretAccessKey").GetString();
                Console.WriteLine($"  moto_server set up with {_options.ListingUsers} users in {setupClock.Elapsed.TotalSeconds:F0} s.");

                var ours = new List<double>();
                var theirs = new List<double>();
                var oursCapped = new List<double>();
                var peerScript = Path.Combine(_repoRoot, "tests", "moto", "list_users_boto3.py");
                for (var round = 0; round < _options.ListingRounds; round++)
                {
                    var peer = RunBoto3(peerScript, url, pool, key, secret);
                    theirs.Add(peer);
                    Console.WriteLine($"  boto3 paginator: {peer:F0} users/s");
                    var mine = RunOurs(url, pool, key, secret, cap: null);
                    ours.Add(mine);
                    Console.WriteLine($"  ours (no cap):   {mine:F0} users/s");
                    var capped = RunOurs(url, pool, key, secret, cap: 25);
                    oursCapped.Add(capped);
                    Console.WriteLine($"  ours (25/s cap, Get-CGIPUserList's default): {capped:F0} users/s");
                }
                double Median(List<double> values) { var s = values.OrderBy(v => v).ToList(); return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2; }
                var ratio = Median(ours) / Median(theirs);
                var cappedRatio = Median(oursCapped) / Median(theirs);
                report.AppendLine($"  boto3 paginator: {Median(theirs):F0} users/s (median)");
                report.AppendLine($"  ours, no cap:    {Median(ours):F0} users/s (median), {ratio:F2}x boto3 {(ratio >= 1.0 ? "(target >= 1.0 met)" : "(target >= 1.0 NOT met)")}");
                report.AppendLine($"  ours, 25/s cap:  {Median(oursCapped):F0} users/s (median), {cappedRatio:F2}x boto3 (the cmdlet's default cap, under the UserList quota of 30/s)");
                return report.ToString();
            }
            finally
            {
                try { if (!moto.HasExited) moto.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            }
        }

        private static double RunOurs(string url, string pool, string key, string secret, double? cap)
        {
            var credentials = CredentialChain.Create(new CredentialsInput { AccessKey = key, SecretKey = secret, Region = "us-east-1" }, ProcessEnvironmentReader.Instance);
            using var client = new CognitoUserListClient(new CognitoClientConfig
            {
                ServiceUrl = new Uri(url),
                Region = "us-east-1",
                RateLimiter = cap.HasValue ? Bulk.RequestRateRules.CreateLimiter(cap) : null,
            }, credentials);
            var clock = Stopwatch.StartNew();
            long users = 0;
            foreach (var page in new UserListPager(client, new ListUsersRequest { UserPoolId = pool, Limit = 60 }).Pages(CancellationToken.None))
            {
                users += page.Users.Count;
            }
            return users / clock.Elapsed.TotalSeconds;
        }

        private static double RunBoto3(string script, string url, string pool, string key, string secret)
        {
            var (exit, stdout, stderr) = ChildProcess.Run("python3", $"\"{script}\" --endpoint {url} --pool {pool} --key {key} --secret {secret} --page-size 60", TimeSpan.FromMinutes(30), null);
            if (exit != 0) throw new InvalidOperationException("boto3's listing failed: " + stderr);
            using var result = JsonDocument.Parse(stdout.Trim().Split('\n').Last());
            return result.RootElement.GetProperty("users").GetInt64() / result.RootElement.GetProperty("seconds").GetDouble();
        }

        private static string WhyNoMoto()
        {
            try
            {
                var (exit, _, _) = ChildProcess.Run("python3", "-c \"import boto3, moto\"", TimeSpan.FromMinutes(1), null);
                if (exit != 0) return "python3 cannot import boto3 and moto.";
                var (motoExit, _, _) = ChildProcess.Run("moto_server", "--help", TimeSpan.FromMinutes(1), null);
                return motoExit == 0 ? null : "moto_server does not run.";
            }
            catch (Exception error) when (error is System.ComponentModel.Win32Exception || error is InvalidOperationException)
            {
                return "python3 or moto_server is not on PATH.";
            }
        }

        private static int FreePort()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            try { return ((IPEndPoint)listener.LocalEndpoint).Port; }
            finally { listener.Stop(); }
        }

        private static void WaitForPort(int port, Process moto)
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (true)
            {
                if (moto.HasExited) throw new InvalidOperationException("moto_server exited with " + moto.ExitCode);
                try
                {
                    using var client = new TcpClient();
                    client.Connect(IPAddress.Loopback, port);
                    return;
                }
                catch (SocketException) when (DateTime.UtcNow < deadline)
                {
                    Thread.Sleep(100);
                }
            }
        }
    }
}
