using System.Management.Automation;
using CognitoTools.History;

namespace CognitoTools.Commands
{
    /// <summary>Lists the session history of calls, newest first; entries bind back into Send-CGIPConfirmationCode.</summary>
    [Cmdlet(VerbsCommon.Get, "CGIPHistory", DefaultParameterSetName = AllSet)]
    [OutputType(typeof(HistoryEntry))]
    public sealed class GetCGIPHistoryCommand : PSCmdlet
    {
        // One parameter set: the outcome switches combine (e.g. -Failed -NotSent: everything to retry).
        private const string AllSet = "All";

        /// <summary>Only failures.</summary>
        [Parameter]
        public SwitchParameter Failed { get; set; }

        /// <summary>Only successes.</summary>
        [Parameter]
        public SwitchParameter Succeeded { get; set; }

        /// <summary>Only records not sent because a command was stopped.</summary>
        [Parameter]
        public SwitchParameter NotSent { get; set; }

        /// <summary>Wildcard pattern on the user name.</summary>
        [Parameter(Position = 0)]
        [SupportsWildcards]
        public string Username { get; set; }

        /// <summary>Exact app client id.</summary>
        [Parameter]
        public string ClientId { get; set; }

        /// <summary>Only the N newest entries, after filtering.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int Newest { get; set; }

        protected override void EndProcessing()
        {
            var history = SessionHistory.Of(this);
            var query = new HistoryQuery
            {
                Failed = Failed.IsPresent,
                Succeeded = Succeeded.IsPresent,
                NotSent = NotSent.IsPresent,
                UsernamePattern = Strings.NullIfEmpty(Username),
                ClientId = Strings.NullIfEmpty(ClientId),
                Newest = MyInvocation.BoundParameters.ContainsKey(nameof(Newest)) ? Newest : (int?)null,
            };
            foreach (var entry in history.Query(query))
            {
                WriteObject(entry);
            }
        }
    }
}
