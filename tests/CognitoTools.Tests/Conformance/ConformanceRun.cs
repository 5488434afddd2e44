using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using CognitoTools.Model;
using CognitoTools.Protocol;
using CognitoTools.TestEndpoint.Http;
using Xunit;

namespace CognitoTools.Tests.Conformance
{
    [CollectionDefinition(Name)]
    public sealed class ConformanceCollection : ICollectionFixture<ConformanceRun>
    {
        public const string Name = "Conformance against the AWS JS SDK";
    }

    /// <summary>
    /// Sends every case through both clients once: the JS SDK in one node process, ours concurrently in this one,
    /// each client and case against its own capture server, so the requests each server saw belong to one case.
    /// </summary>
    public sealed class ConformanceRun : IAsyncLifetime
    {
        private static readonly TimeSpan OurCallTimeout = TimeSpan.FromSeconds(30);
        private readonly List<LocalHttpServer> _servers = new List<LocalHttpServer>();

        public IReadOnlyDictionary<string, CaseOutcome> Outcomes { get; private set; }

        public CaseOutcome this[string id] => Outcomes[id];

        public async Task InitializeAsync()
        {
            var cases = ConformanceCases.All;
            var referenceServers = cases.ToDictionary(c => c.Id, StartServer);
            var ourServers = cases.ToDictionary(c => c.Id, StartServer);

            var referenceCases = new JsonArray(cases.Select(c =>
                (JsonNode)ReferenceClient.Case(c.Id, referenceServers[c.Id].BaseUri.ToString(), c.MaxAttempts, c.ToReferenceInput())).ToArray());

            var referenceRun = ReferenceClient.RunAsync(referenceCases);
            var ourRuns = cases.ToDictionary(c => c.Id, c => RunOursAsync(c, ourServers[c.Id]));
            await Task.WhenAll(ourRuns.Values.Cast<Task>().Append(referenceRun));
            var references = await referenceRun;

            Outcomes = cases.ToDictionary(c => c.Id, c =>
            {
                var (response, error) = ourRuns[c.Id].Result;
                if (!references.TryGetValue(c.Id, out var reference))
                {
                    throw new InvalidOperationException("The reference client returned no result for case " + c.Id);
                }
                return new CaseOutcome
                {
                    Case = c,
                    Reference = reference,
                    ReferenceRequests = referenceServers[c.Id].Requests,
                    Ours = response,
                    OursError = error,
                    OurRequests = ourServers[c.Id].Requests,
                };
            });
        }

        private LocalHttpServer StartServer(ConformanceCase conformanceCase)
        {
            var attempts = 0;
            var server = new LocalHttpServer(_ => conformanceCase.Respond(Interlocked.Increment(ref attempts))).Start();
            lock (_servers) _servers.Add(server);
            return server;
        }

        private static async Task<(ResendConfirmationCodeResponse Response, Exception Error)> RunOursAsync(ConformanceCase conformanceCase, LocalHttpServer server)
        {
            try
            {
                using var timeout = new CancellationTokenSource(OurCallTimeout);
                using var client = new CognitoIdpClient(new CognitoClientConfig
                {
                    ServiceUrl = server.BaseUri,
                    MaxAttempts = conformanceCase.MaxAttempts,
                    ConnectTimeout = TimeSpan.FromSeconds(5),
                    ReadTimeout = TimeSpan.FromSeconds(10),
                });
                var response = await client.ResendConfirmationCodeAsync(conformanceCase.Input.Clone(), timeout.Token).ConfigureAwait(false);
                return (response, null);
            }
            catch (Exception ex)
            {
                return (null, ex);
            }
        }

        public Task DisposeAsync()
        {
            foreach (var server in _servers) server.Dispose();
            return Task.CompletedTask;
        }
    }
}
