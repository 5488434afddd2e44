using System;
using System.Text;

namespace CognitoTools.TestEndpoint
{
    /// <summary>Masks delivery destinations the way Cognito shows them in CodeDeliveryDetails.</summary>
    public static class DestinationMasking
    {
        /// <summary>jane@example.com -> j***@e***.com (first letter, first letter of the domain, top-level domain).</summary>
        public static string MaskEmail(string email)
        {
            if (string.IsNullOrEmpty(email)) return email;
            var at = email.LastIndexOf('@');
            if (at <= 0 || at == email.Length - 1) return email.Substring(0, 1) + "***";
            var domain = email.Substring(at + 1);
            var lastDot = domain.LastIndexOf('.');
            var tld = lastDot >= 0 ? domain.Substring(lastDot) : string.Empty;
            return email.Substring(0, 1) + "***@" + domain.Substring(0, 1) + "***" + tld;
        }

        /// <summary>+15555550123 -> +*******0123: every digit but the last four masked.</summary>
        public static string MaskPhone(string phone)
        {
            if (string.IsNullOrEmpty(phone)) return phone;
            var digits = new StringBuilder(phone.Length);
            foreach (var c in phone) if (c >= '0' && c <= '9') digits.Append(c);
            var keep = Math.Min(4, digits.Length);
            var masked = new StringBuilder(digits.Length + 1);
            masked.Append('+');
            masked.Append('*', digits.Length - keep);
            masked.Append(digits.ToString(digits.Length - keep, keep));
            return masked.ToString();
        }

        private static readonly string[] PlausibleDomainInitials = { "e", "g", "m", "o", "h", "y" };
        private static readonly string[] PlausibleTlds = { ".com", ".com", ".com", ".net", ".org" };

        /// <summary>
        /// What PreventUserExistenceErrors shows for a user that does not exist: a masked e-mail address derived
        /// deterministically from the username, so repeated calls agree and nothing reveals the user's absence.
        /// </summary>
        public static string PlausibleEmailFor(string username)
        {
            var hash = Fnv1a(username ?? string.Empty);
            var first = !string.IsNullOrEmpty(username) && char.IsLetterOrDigit(username[0]) ? char.ToLowerInvariant(username[0]) : 'u';
            return first + "***@" + PlausibleDomainInitials[hash % (uint)PlausibleDomainInitials.Length]
                + "***" + PlausibleTlds[(hash >> 8) % (uint)PlausibleTlds.Length];
        }

        // string.GetHashCode is randomised per process; this one is stable across runs.
        private static uint Fnv1a(string text)
        {
            var hash = 2166136261u;
            foreach (var c in text)
            {
                hash ^= c;
                hash *= 16777619u;
            }
            return hash;
        }
    }
}
