using System;

namespace CognitoTools.Endpoints
{
    /// <summary>The real process environment: environment variables and the user's home directory.</summary>
    public sealed class ProcessEnvironmentReader : IEnvironmentReader
    {
        public static ProcessEnvironmentReader Instance { get; } = new ProcessEnvironmentReader();

        private ProcessEnvironmentReader() { }

        public string GetVariable(string name) => Environment.GetEnvironmentVariable(name);

        /// <summary>HOME, else USERPROFILE, else the OS's profile folder: the order the AWS CLI and SDKs use to find ~/.aws.</summary>
        public string HomeDirectory
        {
            get
            {
                var home = Environment.GetEnvironmentVariable("HOME");
                if (!string.IsNullOrEmpty(home)) return home;
                var userProfile = Environment.GetEnvironmentVariable("USERPROFILE");
                if (!string.IsNullOrEmpty(userProfile)) return userProfile;
                var folder = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
                return string.IsNullOrEmpty(folder) ? null : folder;
            }
        }
    }
}
