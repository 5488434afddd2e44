using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using CognitoTools.Endpoints;

namespace CognitoTools.Auth
{
    /// <summary>
    /// The profiles of ~/.aws/credentials and ~/.aws/config ($env:AWS_SHARED_CREDENTIALS_FILE, $env:AWS_CONFIG_FILE),
    /// or of the one file -ProfileLocation names; a profile's settings merged across them, the credentials file's first.
    /// Read once, when the chain first needs a profile.
    /// </summary>
    internal sealed class ProfileFiles
    {
        private readonly List<SharedConfigFile> _files;

        private ProfileFiles(List<SharedConfigFile> files, string description)
        {
            _files = files;
            Description = description;
        }

        /// <summary>The files, in words: "C:\Users\ann\.aws\credentials or C:\Users\ann\.aws\config".</summary>
        public string Description { get; }

        public static ProfileFiles Load(string profileLocation, IEnvironmentReader environment)
        {
            var files = new List<SharedConfigFile>();
            if (!string.IsNullOrWhiteSpace(profileLocation))
            {
                var path = ClientSettingsResolver.ExpandHome(profileLocation.Trim(), environment);
                if (!File.Exists(path))
                {
                    throw new AwsCredentialsException(CredentialErrorIds.ProfileFileNotFound, "The profile file '" + path + "' (from -ProfileLocation) does not exist.", "-ProfileLocation");
                }
                files.Add(Read(path, ProfileFileKind.Either));
                return new ProfileFiles(files, path);
            }
            var credentialsPath = ClientSettingsResolver.SharedFilePath(environment, "AWS_SHARED_CREDENTIALS_FILE", "credentials");
            var configPath = ClientSettingsResolver.SharedFilePath(environment, "AWS_CONFIG_FILE", "config");
            if (credentialsPath != null && File.Exists(credentialsPath)) files.Add(Read(credentialsPath, ProfileFileKind.Credentials));
            if (configPath != null && File.Exists(configPath)) files.Add(Read(configPath, ProfileFileKind.Config));
            var names = new[] { credentialsPath, configPath }.Where(p => p != null).ToList();
            return new ProfileFiles(files, names.Count == 0 ? "~/.aws/credentials or ~/.aws/config (no home folder)" : string.Join(" or ", names));
        }

        public bool Exists(string profile) => _files.Any(f => f.FindProfile(profile) != null);

        /// <summary>A trimmed, non-empty setting of the profile, credentials file first; null when unset.</summary>
        public string Get(string profile, string key)
        {
            foreach (var file in _files)
            {
                var properties = file.FindProfile(profile);
                if (properties != null && properties.TryGetValue(key, out var property) && !string.IsNullOrWhiteSpace(property.Value)) return property.Value.Trim();
            }
            return null;
        }

        /// <summary>The file that defines the profile (first one), for messages.</summary>
        public string FileOf(string profile) => _files.FirstOrDefault(f => f.FindProfile(profile) != null)?.Path ?? Description;

        /// <summary>A hint when the config file has [NAME] where [profile NAME] was meant.</summary>
        public string BareSectionHint(string profile)
            => _files.Any(f => f.HasBareSectionOnly(profile))
                ? " The config file has a section [" + profile + "]; in the config file a named profile is written [profile " + profile + "]."
                : "";

        private static SharedConfigFile Read(string path, ProfileFileKind kind)
        {
            try
            {
                return SharedConfigFile.Parse(File.ReadAllText(path), path, kind);
            }
            catch (Exception error) when (error is IOException || error is UnauthorizedAccessException)
            {
                throw new AwsCredentialsException(CredentialErrorIds.ProfileFileUnreadable, "The file '" + path + "' could not be read: " + error.Message, path, error);
            }
        }
    }

    /// <summary>Turns one profile into a provider: role_arn (STS), static keys, credential_process, in that order.</summary>
    internal sealed class ProfileCredentialsResolver
    {
        private readonly ProfileFiles _files;
        private readonly CredentialChainContext _context;

        public ProfileCredentialsResolver(ProfileFiles files, CredentialChainContext context)
        {
            _files = files;
            _context = context;
        }

        /// <param name="nameOrigin">Where the name came from ("-ProfileName", "$env:AWS_PROFILE", "the default profile").</param>
        public IAwsCredentialsProvider Resolve(string profile, string nameOrigin)
            => Resolve(profile, nameOrigin, new List<string>());

        private IAwsCredentialsProvider Resolve(string profile, string nameOrigin, List<string> visited)
        {
            var description = "profile '" + profile + "'";
            if (!_files.Exists(profile))
            {
                throw new AwsCredentialsException(CredentialErrorIds.ProfileNotFound,
                    "The profile '" + profile + "' (from " + nameOrigin + ") was not found in " + _files.Description + "." + _files.BareSectionHint(profile), description);
            }
            description += " in " + _files.FileOf(profile);
            if (visited.Contains(profile))
            {
                throw new AwsCredentialsException(CredentialErrorIds.ProfileLoop,
                    "The source_profile links loop: " + string.Join(" -> ", visited.Concat(new[] { profile })) + ".", description);
            }
            visited.Add(profile);

            var roleArn = _files.Get(profile, "role_arn");
            if (roleArn != null) return AssumeRole(profile, description, roleArn, visited);

            var keys = StaticKeys(profile, description);
            if (keys != null) return keys;

            var process = _files.Get(profile, "credential_process");
            if (process != null) return new CredentialProcessProvider(process, description, _context.Options.CredentialProcessTimeout, _context.Options.UtcNow);

            if (_files.Get(profile, "sso_session") != null || _files.Get(profile, "sso_start_url") != null || _files.Get(profile, "sso_account_id") != null)
            {
                throw new AwsCredentialsException(CredentialErrorIds.ProfileNotSupported,
                    "The " + description + " uses IAM Identity Center (SSO) settings, which CognitoTools does not read itself. Add to the profile: "
                    + "credential_process = aws configure export-credentials --profile " + profile + " --format process  (after 'aws sso login --profile " + profile
                    + "'), or use a profile that does.", description);
            }
            if (_files.Get(profile, "web_identity_token_file") != null)
            {
                throw new AwsCredentialsException(CredentialErrorIds.ProfileNotSupported,
                    "The " + description + " uses web_identity_token_file, which CognitoTools does not support; use credential_process = aws configure export-credentials --profile "
                    + profile + " --format process.", description);
            }
            throw new AwsCredentialsException(CredentialErrorIds.ProfileHasNoCredentials,
                "The " + description + " has no credentials: give it aws_access_key_id and aws_secret_access_key, role_arn with source_profile or credential_source, or credential_process.",
                description);
        }

        private IAwsCredentialsProvider StaticKeys(string profile, string description)
        {
            var accessKey = _files.Get(profile, "aws_access_key_id");
            var secretKey = _files.Get(profile, "aws_secret_access_key");
            if (accessKey == null && secretKey == null) return null;
            if (accessKey == null || secretKey == null)
            {
                throw new AwsCredentialsException(CredentialErrorIds.IncompleteCredentials,
                    "The " + description + " has " + (accessKey == null ? "aws_secret_access_key without aws_access_key_id" : "aws_access_key_id without aws_secret_access_key") + ".", description);
            }
            return new StaticCredentialsProvider(new AwsCredentials(accessKey, secretKey, _files.Get(profile, "aws_session_token"), null, description));
        }

        private IAwsCredentialsProvider AssumeRole(string profile, string description, string roleArn, List<string> visited)
        {
            if (_files.Get(profile, "mfa_serial") != null)
            {
                throw new AwsCredentialsException(CredentialErrorIds.ProfileNotSupported,
                    "The " + description + " needs an MFA code (mfa_serial), which an unattended cmdlet cannot ask for. Use credential_process = aws configure export-credentials --profile "
                    + profile + " --format process, or a role without MFA.", description);
            }
            var sourceProfile = _files.Get(profile, "source_profile");
            var credentialSource = _files.Get(profile, "credential_source");
            IAwsCredentialsProvider source;
            if (sourceProfile != null && credentialSource != null)
            {
                throw new AwsCredentialsException(CredentialErrorIds.ProfileHasNoCredentials, "The " + description + " has both source_profile and credential_source; keep one.", description);
            }
            if (sourceProfile != null)
            {
                // A profile that is its own source uses its own static keys (as the CLI allows).
                source = sourceProfile == profile
                    ? StaticKeys(profile, description) ?? throw new AwsCredentialsException(CredentialErrorIds.ProfileHasNoCredentials,
                        "The " + description + " is its own source_profile but has no aws_access_key_id/aws_secret_access_key.", description)
                    : Resolve(sourceProfile, "source_profile of " + description, visited);
            }
            else if (credentialSource != null)
            {
                source = CredentialSource(credentialSource, description);
            }
            else
            {
                throw new AwsCredentialsException(CredentialErrorIds.ProfileHasNoCredentials,
                    "The " + description + " has role_arn but neither source_profile nor credential_source: say which credentials assume the role.", description);
            }

            int? duration = null;
            var durationText = _files.Get(profile, "duration_seconds");
            if (durationText != null)
            {
                if (!int.TryParse(durationText, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds < 900 || seconds > 43200)
                {
                    throw new AwsCredentialsException(CredentialErrorIds.ProfileHasNoCredentials,
                        "The " + description + " has duration_seconds = " + durationText + "; give a whole number of seconds from 900 to 43200.", description);
                }
                duration = seconds;
            }
            var region = _context.Region ?? _files.Get(profile, "region");
            var endpoint = AssumeRoleProvider.ResolveEndpoint(region, _context.Variable, out var signingRegion);
            var sessionName = _files.Get(profile, "role_session_name") ?? "cognitotools-" + _context.Options.UtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
            return new AssumeRoleProvider(source, roleArn, sessionName, _files.Get(profile, "external_id"), duration, signingRegion, endpoint, description,
                _context.Options.StsHandlerFactory, _context.Options.UtcNow);
        }

        private IAwsCredentialsProvider CredentialSource(string name, string description)
        {
            switch (name)
            {
                case "Environment":
                    return CredentialChain.EnvironmentKeys(_context) ?? throw new AwsCredentialsException(CredentialErrorIds.ProfileHasNoCredentials,
                        "The " + description + " has credential_source = Environment, but $env:AWS_ACCESS_KEY_ID and $env:AWS_SECRET_ACCESS_KEY are not set.", description);
                case "EcsContainer":
                    return ContainerCredentialsProvider.FromEnvironment(_context.Variable, _context.Options.MetadataHandlerFactory, _context.Options.UtcNow)
                           ?? throw new AwsCredentialsException(CredentialErrorIds.ProfileHasNoCredentials,
                               "The " + description + " has credential_source = EcsContainer, but no container credentials variable is set.", description);
                case "Ec2InstanceMetadata":
                    return new InstanceMetadataCredentialsProvider(InstanceMetadataCredentialsProvider.EndpointFrom(_context.Variable), _context.Options.MetadataHandlerFactory, _context.Options.UtcNow);
                default:
                    throw new AwsCredentialsException(CredentialErrorIds.ProfileHasNoCredentials,
                        "The " + description + " has credential_source = " + name + "; use Environment, EcsContainer or Ec2InstanceMetadata.", description);
            }
        }
    }
}
