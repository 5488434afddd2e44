using System.IO;
using Xunit;

namespace CognitoTools.Tests.Infrastructure
{
    /// <summary>
    /// A fact that needs a device or file this host may not have (e.g. /dev/full): where the path is missing it is
    /// reported as skipped, with the reason, instead of returning early and counting as passed. xunit 2 has no
    /// skip from inside a test, so the check runs when the test is discovered.
    /// </summary>
    public sealed class FactWhenPathExistsAttribute : FactAttribute
    {
        public FactWhenPathExistsAttribute(string path, string why)
        {
            if (!File.Exists(path)) Skip = $"{path} does not exist on this host: {why}";
        }
    }
}
