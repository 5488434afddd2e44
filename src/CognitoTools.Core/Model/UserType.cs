using System;
using System.Collections.Generic;

namespace CognitoTools.Model
{
    /// <summary>
    /// A user as ListUsers returns it, shaped like AWS.Tools' Amazon.CognitoIdentityProvider.Model.UserType (the same
    /// property names and kinds), so scripts written for AWS.Tools read it unchanged and it pipes into
    /// Send-CGIPConfirmationCode by its Username.
    /// </summary>
    public sealed class UserType
    {
        public string Username { get; set; }
        public List<AttributeType> Attributes { get; set; } = new List<AttributeType>();
        /// <summary>Local time, as AWS.Tools gives it (compare with Get-Date directly).</summary>
        public DateTime UserCreateDate { get; set; }
        /// <summary>Local time, as AWS.Tools gives it.</summary>
        public DateTime UserLastModifiedDate { get; set; }
        public bool Enabled { get; set; }
        /// <summary>UNCONFIRMED, CONFIRMED, EXTERNAL_PROVIDER, RESET_REQUIRED, FORCE_CHANGE_PASSWORD, ARCHIVED, COMPROMISED or UNKNOWN.</summary>
        public string UserStatus { get; set; }
        public List<MFAOptionType> MFAOptions { get; set; } = new List<MFAOptionType>();

        /// <summary>The value of attribute <paramref name="name"/> (e.g. email), or null.</summary>
        public string GetAttribute(string name)
        {
            if (Attributes == null) return null;
            foreach (var attribute in Attributes)
            {
                if (attribute != null && string.Equals(attribute.Name, name, StringComparison.Ordinal)) return attribute.Value;
            }
            return null;
        }

        public override string ToString() => Username ?? string.Empty;
    }

    /// <summary>A user attribute (Name/Value), as AWS.Tools' AttributeType.</summary>
    public sealed class AttributeType
    {
        public string Name { get; set; }
        public string Value { get; set; }

        public override string ToString() => Name + "=" + Value;
    }

    /// <summary>A legacy SMS MFA setting, as AWS.Tools' MFAOptionType.</summary>
    public sealed class MFAOptionType
    {
        public string DeliveryMedium { get; set; }
        public string AttributeName { get; set; }

        public override string ToString() => DeliveryMedium + " " + AttributeName;
    }
}
