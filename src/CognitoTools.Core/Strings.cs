namespace CognitoTools
{
    /// <summary>String plumbing shared by the core and the cmdlets.</summary>
    public static class Strings
    {
        /// <summary>Null for null or empty: an empty CSV cell, journal field or CLI skeleton's "" means "not given".</summary>
        public static string NullIfEmpty(string value) => string.IsNullOrEmpty(value) ? null : value;
    }
}
