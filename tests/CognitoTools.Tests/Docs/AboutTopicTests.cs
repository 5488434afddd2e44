using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using CognitoTools.Bulk;
using CognitoTools.Endpoints;
using CognitoTools.HelpBuilder;
using CognitoTools.Protocol;
using CognitoTools.Tests.Infrastructure;
using Xunit;

namespace CognitoTools.Tests.Docs
{
    /// <summary>about_CognitoTools: the error table and the figures it states, against the code that defines them.</summary>
    public class AboutTopicTests
    {
        private static readonly Lazy<string> AboutText = new Lazy<string>(() => File.ReadAllText(DocsPaths.AboutTopicPath));

        /// <summary>Rows of every "| ErrorId | ErrorCategory | Meaning |" table: id -> category.</summary>
        private static Dictionary<string, string> ErrorTable()
        {
            var rows = new Dictionary<string, string>(StringComparer.Ordinal);
            bool inTable = false;
            foreach (var line in AboutText.Value.Replace("\r\n", "\n").Split('\n'))
            {
                if (line.StartsWith("| ErrorId |", StringComparison.Ordinal))
                {
                    inTable = true;
                    continue;
                }
                if (!line.StartsWith("|", StringComparison.Ordinal))
                {
                    inTable = false;
                    continue;
                }
                if (!inTable || line.StartsWith("| ---", StringComparison.Ordinal))
                {
                    continue;
                }
                var cells = line.Trim('|').Split('|').Select(c => c.Trim()).ToArray();
                Assert.True(cells.Length >= 3, "Error table row without id, category and meaning: " + line);
                Assert.False(rows.ContainsKey(cells[0]), "Error id listed twice: " + cells[0]);
                rows[cells[0]] = cells[1];
            }
            return rows;
        }

        /// <summary>Our own codes for transport failures, as public constants of CognitoErrors.</summary>
        private static IEnumerable<string> CoreTransportCodes()
        {
            return typeof(CognitoErrors).GetFields(BindingFlags.Public | BindingFlags.Static)
                .Where(f => f.IsLiteral && f.FieldType == typeof(string))
                .Select(f => (string)f.GetRawConstantValue());
        }

        /// <summary>The ids of the one error record a scope stop writes (issue 13): the string constants of StopCauses.</summary>
        private static IEnumerable<string> StopErrorIds()
        {
            return typeof(StopCauses).GetFields(BindingFlags.Public | BindingFlags.Static)
                .Where(f => f.IsLiteral && f.FieldType == typeof(string))
                .Select(f => (string)f.GetRawConstantValue());
        }

        /// <summary>The module's own error ids: the string constants of CognitoTools.ErrorRecords in the built assembly.</summary>
        private static IEnumerable<string> ModuleErrorIds()
        {
            var errorRecords = BuiltModule.Current.ModuleAssembly.GetType("CognitoTools.ErrorRecords");
            Assert.True(errorRecords != null, "CognitoTools.ErrorRecords not found in the module assembly.");
            return errorRecords.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
                .Where(f => f.IsLiteral && f.FieldType.FullName == "System.String")
                .Select(f => (string)f.GetRawConstantValue())
                .ToList();
        }

        /// <summary>The ids of terminating settings errors: every new ClientSettingsException("Id", ...) in the core's sources.</summary>
        private static IEnumerable<string> SettingsErrorIds()
        {
            var core = Path.Combine(DocsPaths.RepositoryRoot, "src", "CognitoTools.Core");
            return Directory.GetFiles(core, "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar))
                .SelectMany(f => Regex.Matches(File.ReadAllText(f), @"new ClientSettingsException\(\s*""(\w+)""").Select(m => m.Groups[1].Value))
                .Distinct()
                .ToList();
        }

        [Fact]
        public void ErrorTableListsEveryModelledCognitoError()
        {
            var table = ErrorTable();
            Assert.Equal(16, CognitoErrors.ModelledErrorCodes.Count);
            var missing = CognitoErrors.ModelledErrorCodes.Where(c => !table.ContainsKey(c)).ToList();
            Assert.True(missing.Count == 0, "Not in the about topic's error table: " + string.Join(", ", missing));
        }

        [Fact]
        public void ErrorTableListsEveryIdTheModuleAndCoreDefine()
        {
            var table = ErrorTable();
            var expected = CoreTransportCodes().Concat(ModuleErrorIds()).Concat(SettingsErrorIds()).Concat(StopErrorIds()).Distinct().ToList();
            Assert.Contains("DailyEmailLimitReached", expected);
            Assert.Contains("NoRegion", expected);
            Assert.Contains("RequestValidationFailed", expected);
            Assert.Contains("ConnectionFailure", expected);
            var missing = expected.Where(id => !table.ContainsKey(id)).ToList();
            Assert.True(missing.Count == 0, "Not in the about topic's error table: " + string.Join(", ", missing));
        }

        [Fact]
        public void ErrorTableListsNoIdThatDoesNotExist()
        {
            var known = CognitoErrors.ModelledErrorCodes.Concat(CoreTransportCodes()).Concat(ModuleErrorIds()).Concat(SettingsErrorIds()).Concat(StopErrorIds()).ToHashSet(StringComparer.Ordinal);
            var stale = ErrorTable().Keys.Where(id => !known.Contains(id)).ToList();
            Assert.True(stale.Count == 0, "The error table lists ids nothing produces: " + string.Join(", ", stale));
        }

        [Fact]
        public void ErrorTableCategoriesAreTheCoreClassification()
        {
            var table = ErrorTable();
            var categories = Enum.GetNames(typeof(ErrorClassification)).ToHashSet(StringComparer.Ordinal);
            var problems = new List<string>();
            foreach (var code in CognitoErrors.ModelledErrorCodes.Concat(CoreTransportCodes()))
            {
                var classified = CognitoErrors.Classify(code).ToString();
                if (table.TryGetValue(code, out var documented) && documented != classified)
                {
                    problems.Add($"{code}: documented as {documented}, classified as {classified}.");
                }
            }
            foreach (var id in StopErrorIds())
            {
                var classified = StopCauses.CategoryOf(id).ToString();
                if (table.TryGetValue(id, out var documented) && documented != classified)
                {
                    problems.Add($"{id}: documented as {documented}, the stop's category is {classified}.");
                }
            }
            foreach (var row in table)
            {
                // ErrorClassification's names are PowerShell's ErrorCategory names.
                if (!categories.Contains(row.Value))
                {
                    problems.Add($"{row.Key}: '{row.Value}' is not an ErrorCategory name.");
                }
            }
            Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        }

        [Fact]
        public void StatedDefaultsAreTheCoreDefaults()
        {
            var text = Regex.Replace(AboutText.Value, @"\s+", " ");
            var rate = BulkSendOptions.DefaultMaxRequestsPerSecond.ToString(CultureInfo.InvariantCulture);
            Assert.Contains($"The default, {rate} requests per second", text);
            Assert.Contains($"{ClientSettingsResolver.DefaultMaxAttempts} attempts in all by default", text);
            Assert.Contains($"default to {ClientSettingsResolver.DefaultTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} seconds each", text);
            Assert.Contains($"base of {RetryClassifier.TransientBaseDelay.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)} ms for transient errors", text);
            Assert.Contains($"{RetryClassifier.ThrottlingBaseDelay.TotalSeconds.ToString(CultureInfo.InvariantCulture)} second for throttling", text);
            Assert.Contains($"never more than {RetryClassifier.MaxBackoff.TotalSeconds.ToString(CultureInfo.InvariantCulture)} seconds", text);
            Assert.Contains($"{BulkSendOptions.RecommendedThrottleLimit} is the recommended value", text);
            Assert.Contains($"1 to {BulkSendOptions.MaximumThrottleLimit}", text);
            Assert.True(BulkSendOptions.DefaultMaxRequestsPerSecond < BulkSendOptions.LowestCandidateCategoryQuota, "The default rate must stay below the lowest default quota of the categories ResendConfirmationCode could be in.");
            Assert.Contains("UserCreation (50 requests per second)", text);
            Assert.Contains($"UserUpdate ({BulkSendOptions.LowestCandidateCategoryQuota.ToString(CultureInfo.InvariantCulture)})", text);
        }

        [Fact]
        public void SendPageStatesTheCoreDefaults()
        {
            var help = MarkdownHelpParser.ParseCommandFile(Path.Combine(DocsPaths.DocsDirectory, "Send-CGIPConfirmationCode.md"));
            string Default(string name) => help.FindParameter(name).Metadata[0].DefaultValue;
            Assert.Equal(BulkSendOptions.DefaultMaxRequestsPerSecond.ToString(CultureInfo.InvariantCulture), Default("MaxRequestsPerSecond"));
            Assert.Equal(ClientSettingsResolver.DefaultMaxAttempts.ToString(CultureInfo.InvariantCulture), Default("MaxAttempts"));
            Assert.Equal(ClientSettingsResolver.DefaultTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture), Default("ConnectTimeoutSec"));
            Assert.Equal(ClientSettingsResolver.DefaultTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture), Default("ReadTimeoutSec"));
            Assert.Equal(new BulkSendOptions().ThrottleLimit.ToString(CultureInfo.InvariantCulture), Default("ThrottleLimit"));
        }

        [Fact]
        public void AboutTopicCoversTheBriefsSubjects()
        {
            var headings = MarkdownHelpParser.ParseAboutFile(DocsPaths.AboutTopicPath).Blocks
                .Where(b => b.Kind == MarkdownBlockKind.Heading).Select(b => b.Text).ToList();
            foreach (var subject in new[] { "Concepts", "Region resolution", "Endpoints", "Retries", "Rate limit", "Bulk sending", "Errors", "History", "Secrets", "Comparison with AWS.Tools" })
            {
                Assert.Contains(subject, headings);
            }
            var text = AboutText.Value;
            foreach (var variable in new[] { "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT", "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", "AWS_ENDPOINT_URL", "AWS_MAX_ATTEMPTS", "AWS_CA_BUNDLE", "$CGIPHistory" })
            {
                Assert.Contains(variable, text);
            }
        }
    }
}
