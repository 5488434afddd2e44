using System.Management.Automation;
using CognitoTools.History;

namespace CognitoTools.Commands
{
    /// <summary>Sets how much the session history keeps: entry count, recorded requests, secrets.</summary>
    [Cmdlet(VerbsCommon.Set, "CGIPHistoryConfiguration")]
    [OutputType(typeof(HistoryConfiguration))]
    public sealed class SetCGIPHistoryConfigurationCommand : PSCmdlet
    {
        /// <summary>Entries kept; 0 turns history off.</summary>
        [Parameter]
        [ValidateRange(0, 1000000)]
        public int MaximumCount { get; set; }

        /// <summary>Failed and NotSent entries kept besides the successes (never fewer than MaximumCount).</summary>
        [Parameter]
        [ValidateRange(0, 1000000)]
        public int MaximumFailedCount { get; set; }

        /// <summary>Record each request's members (never secrets unless IncludeSecrets); -RecordRequests:$false turns it off.</summary>
        [Parameter]
        public SwitchParameter RecordRequests { get; set; }

        /// <summary>Also record SecretHash (never the client secret).</summary>
        [Parameter]
        public SwitchParameter IncludeSecrets { get; set; }

        /// <summary>Output the resulting configuration.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void EndProcessing()
        {
            var bound = MyInvocation.BoundParameters;
            // Only what was given changes; the rest keeps its current value.
            var history = SessionHistory.Of(this);
            var configuration = history.GetConfiguration();
            if (bound.ContainsKey(nameof(MaximumCount)))
            {
                configuration.MaximumCount = MaximumCount;
            }
            if (bound.ContainsKey(nameof(MaximumFailedCount)))
            {
                configuration.MaximumFailedCount = MaximumFailedCount;
            }
            if (bound.ContainsKey(nameof(RecordRequests)))
            {
                configuration.RecordRequests = RecordRequests.IsPresent;
            }
            if (bound.ContainsKey(nameof(IncludeSecrets)))
            {
                configuration.IncludeSecrets = IncludeSecrets.IsPresent;
            }
            history.Configure(configuration);
            if (PassThru.IsPresent)
            {
                WriteObject(history.GetConfiguration());
            }
        }
    }
}
