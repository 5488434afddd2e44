using System;
using System.Diagnostics;
using System.Management.Automation;

namespace CognitoTools
{
    /// <summary>
    /// One command's progress bar: written only where someone sees it (<see cref="CmdletExtensions.IsProgressWanted"/>),
    /// first after half a second (a quick command shows none), then at most four updates a second; completed only
    /// if it was shown. Pipeline thread only.
    /// </summary>
    internal sealed class ProgressBar
    {
        private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(500);
        private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

        private readonly Cmdlet _cmdlet;
        private readonly int _activityId;
        private readonly string _activity;
        private readonly bool _wanted;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private TimeSpan _nextAt = FirstDelay;
        private bool _shown;

        public ProgressBar(PSCmdlet cmdlet, int activityId, string activity)
        {
            _cmdlet = cmdlet;
            _activityId = activityId;
            _activity = activity;
            _wanted = cmdlet.IsProgressWanted();
        }

        /// <summary>Time since the bar was set up (the command's work began).</summary>
        public TimeSpan Elapsed => _clock.Elapsed;

        /// <summary>True when an update is due now; the caller then builds the status and calls <see cref="Update"/>.</summary>
        public bool IsDue()
        {
            if (!_wanted || _clock.Elapsed < _nextAt)
            {
                return false;
            }
            _nextAt = _clock.Elapsed + Interval;
            return true;
        }

        public void Update(string status, int? percentComplete = null)
        {
            var record = new ProgressRecord(_activityId, _activity, status);
            if (percentComplete.HasValue)
            {
                record.PercentComplete = percentComplete.Value;
            }
            _cmdlet.WriteProgress(record);
            _shown = true;
        }

        public void Complete()
        {
            if (!_shown)
            {
                return;
            }
            _cmdlet.WriteProgress(new ProgressRecord(_activityId, _activity, "Done") { RecordType = ProgressRecordType.Completed });
            _shown = false;
        }
    }
}
