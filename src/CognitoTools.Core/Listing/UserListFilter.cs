using System;
using System.Collections.Generic;
using CognitoTools.Model;

namespace CognitoTools.Listing
{
    /// <summary>
    /// The campaign's conditions ListUsers cannot apply itself (its -Filter takes one attribute), applied to each user
    /// as it arrives: statuses and a creation window (a confirmation code expires after 24 hours, so "signed up in the
    /// last day" is the usual window).
    /// </summary>
    public sealed class UserListFilter
    {
        /// <summary>Cognito's user statuses; -UserStatus also accepts them in PascalCase (Unconfirmed, ForceChangePassword).</summary>
        public static IReadOnlyList<string> KnownStatuses { get; } = new[]
        {
            "UNCONFIRMED", "CONFIRMED", "ARCHIVED", "COMPROMISED", "UNKNOWN", "RESET_REQUIRED", "FORCE_CHANGE_PASSWORD", "EXTERNAL_PROVIDER",
        };

        private readonly HashSet<string> _statuses;

        public UserListFilter(IEnumerable<string> statuses, DateTime? createdAfter, DateTime? createdBefore)
        {
            if (statuses != null)
            {
                _statuses = new HashSet<string>(StringComparer.Ordinal);
                foreach (var status in statuses)
                {
                    _statuses.Add(NormalizeStatus(status) ?? throw new ArgumentException(
                        $"-UserStatus '{status}' is not a Cognito user status; use one of: {string.Join(", ", (string[])KnownStatuses)} (or the same in PascalCase, e.g. Unconfirmed).", "UserStatus"));
                }
                if (_statuses.Count == 0) _statuses = null;
            }
            CreatedAfter = createdAfter.HasValue ? ToUtc(createdAfter.Value) : (DateTime?)null;
            CreatedBefore = createdBefore.HasValue ? ToUtc(createdBefore.Value) : (DateTime?)null;
            if (CreatedAfter.HasValue && CreatedBefore.HasValue && CreatedAfter.Value >= CreatedBefore.Value)
            {
                throw new ArgumentException($"-CreatedAfter ({createdAfter:o}) must be earlier than -CreatedBefore ({createdBefore:o}): no user could match.", "CreatedAfter");
            }
        }

        public DateTime? CreatedAfter { get; }
        public DateTime? CreatedBefore { get; }
        public IReadOnlyCollection<string> Statuses => _statuses;
        public bool IsEmpty => _statuses == null && !CreatedAfter.HasValue && !CreatedBefore.HasValue;

        /// <summary>The server-side filter that does the same as a single status (cognito:user_status), when there is one.</summary>
        public string SingleStatus => _statuses != null && _statuses.Count == 1 ? new List<string>(_statuses)[0] : null;

        public bool Matches(UserType user)
        {
            if (user == null) return false;
            if (_statuses != null && (user.UserStatus == null || !_statuses.Contains(user.UserStatus))) return false;
            if (CreatedAfter.HasValue || CreatedBefore.HasValue)
            {
                var created = ToUtc(user.UserCreateDate);
                if (CreatedAfter.HasValue && created <= CreatedAfter.Value) return false;
                if (CreatedBefore.HasValue && created >= CreatedBefore.Value) return false;
            }
            return true;
        }

        /// <summary>UNCONFIRMED, Unconfirmed, unconfirmed, ForceChangePassword, force_change_password: the API's name, or null.</summary>
        public static string NormalizeStatus(string status)
        {
            if (string.IsNullOrWhiteSpace(status)) return null;
            var compact = status.Trim().Replace("_", string.Empty).Replace("-", string.Empty);
            foreach (var known in KnownStatuses)
            {
                if (string.Equals(known.Replace("_", string.Empty), compact, StringComparison.OrdinalIgnoreCase)) return known;
            }
            return null;
        }

        // Unspecified (Get-Date's output, a typed date) is local time, as PowerShell means it.
        private static DateTime ToUtc(DateTime value) => value.Kind == DateTimeKind.Utc ? value : value.ToUniversalTime();
    }
}
