using System;
using System.Collections;
using System.Collections.Generic;
using CognitoTools.Model;

namespace CognitoTools.History
{
    /// <summary>
    /// One recorded call. Property names match Send-CGIPConfirmationCode's parameters where they can, so entries bind
    /// back by property name: Get-CGIPHistory -Failed | Send-CGIPConfirmationCode retries the failures.
    /// </summary>
    public sealed class HistoryEntry
    {
        public DateTimeOffset Time { get; set; }
        public string Username { get; set; }
        public string ClientId { get; set; }
        public string Endpoint { get; set; }
        /// <summary>Succeeded, Failed or NotSent.</summary>
        public string Outcome { get; set; }
        public CodeDeliveryDetailsType CodeDeliveryDetails { get; set; }
        public string ErrorCode { get; set; }
        public string ErrorMessage { get; set; }
        public int? HttpStatusCode { get; set; }
        public string RequestId { get; set; }
        public int Attempts { get; set; }
        public TimeSpan Duration { get; set; }
        /// <summary>Name of the command that made the call.</summary>
        public string Command { get; set; }

        // Recorded only when RecordRequests is on (so they bind back on retry); null otherwise.
        public string AnalyticsMetadata_AnalyticsEndpointId { get; set; }
        public string UserContextData_EncodedData { get; set; }
        public string UserContextData_IpAddress { get; set; }
        public Hashtable ClientMetadata { get; set; }
        /// <summary>Only with IncludeSecrets; otherwise null, never a placeholder that would bind as a wrong value.</summary>
        public string SecretHash { get; set; }
        /// <summary>True when the request members above were recorded (RecordRequests on).</summary>
        public bool RequestRecorded { get; set; }
    }

    /// <summary>One command invocation (one pipeline run of a cmdlet).</summary>
    public sealed class CommandRecord
    {
        public string CommandName { get; set; }
        public DateTimeOffset StartTime { get; set; }
        public DateTimeOffset? EndTime { get; set; }
        public int Succeeded { get; set; }
        public int Failed { get; set; }
        public int NotSent { get; set; }
    }

    /// <summary>
    /// Session-wide, bounded, thread-safe history of calls, newest first; exposed as $CGIPHistory.
    /// (Contract; implementation in progress.)
    /// </summary>
    public sealed class CommandHistory
    {
        public const int DefaultCapacity = 1000;

        /// <summary>The process-wide history the module uses.</summary>
        public static CommandHistory Session { get; } = new CommandHistory();

        /// <summary>Entries kept; 0 turns recording off.</summary>
        public int Capacity { get; set; } = DefaultCapacity;
        /// <summary>Record the request members (not secrets) with each entry.</summary>
        public bool RecordRequests { get; set; }
        /// <summary>Also record SecretHash; off by default.</summary>
        public bool IncludeSecrets { get; set; }

        /// <summary>Snapshot, newest first.</summary>
        public IReadOnlyList<HistoryEntry> Entries => throw new NotImplementedException();
        public int Count => throw new NotImplementedException();
        /// <summary>Newest success's response, like AWS.Tools' $AWSHistory.LastServiceResponse.</summary>
        public ResendConfirmationCodeResponse LastServiceResponse => throw new NotImplementedException();
        public CommandRecord LastCommand => throw new NotImplementedException();

        public CommandRecord BeginCommand(string commandName) => throw new NotImplementedException();
        public void EndCommand(CommandRecord command) => throw new NotImplementedException();
        /// <summary>Adds an entry (newest first), trimming to Capacity; honours RecordRequests/IncludeSecrets.</summary>
        public void Record(HistoryEntry entry, Model.ResendConfirmationCodeRequest request, ResendConfirmationCodeResponse response) => throw new NotImplementedException();
        public void Clear() => throw new NotImplementedException();
    }
}
