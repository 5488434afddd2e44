using System.IO;
using CognitoTools.Endpoints;
using Xunit;

namespace CognitoTools.Tests.Endpoints
{
    public class RegionResolutionTests
    {
        [Fact]
        public void EachLevelOverridesTheNext()
        {
            using (var home = new TemporaryHome())
            {
                var config = home.WriteConfig("[default]\nregion = eu-north-1\n");
                home.Environment["AWS_DEFAULT_REGION"] = "ap-south-1";
                home.Environment["AWS_REGION"] = "sa-east-1";

                var fromParameter = home.Resolve(new ClientSettingsInput { Region = "ca-central-1" });
                Assert.Equal(("ca-central-1", SettingSource.Parameter, "-Region"), (fromParameter.Region, fromParameter.RegionSource, fromParameter.RegionOrigin));
                Assert.Equal("https://cognito-idp.ca-central-1.amazonaws.com/", fromParameter.ServiceUrl.AbsoluteUri);

                var fromRegionVariable = home.Resolve();
                Assert.Equal(("sa-east-1", SettingSource.Environment, "AWS_REGION"), (fromRegionVariable.Region, fromRegionVariable.RegionSource, fromRegionVariable.RegionOrigin));

                home.Environment["AWS_REGION"] = null;
                var fromDefaultRegionVariable = home.Resolve();
                Assert.Equal(("ap-south-1", SettingSource.Environment, "AWS_DEFAULT_REGION"),
                    (fromDefaultRegionVariable.Region, fromDefaultRegionVariable.RegionSource, fromDefaultRegionVariable.RegionOrigin));

                home.Environment["AWS_DEFAULT_REGION"] = null;
                var fromConfig = home.Resolve();
                Assert.Equal(("eu-north-1", SettingSource.ConfigFile), (fromConfig.Region, fromConfig.RegionSource));
                Assert.Equal("profile 'default' in " + config, fromConfig.RegionOrigin);
                Assert.Equal("https://cognito-idp.eu-north-1.amazonaws.com/", fromConfig.ServiceUrl.AbsoluteUri);
            }
        }

        [Fact]
        public void BlankValuesCountAsUnset()
        {
            using (var home = new TemporaryHome())
            {
                home.WriteConfig("[default]\nregion = eu-west-3\n");
                home.Environment["AWS_REGION"] = "  ";
                home.Environment["AWS_DEFAULT_REGION"] = "";
                var settings = home.Resolve(new ClientSettingsInput { Region = " " });
                Assert.Equal("eu-west-3", settings.Region);
            }
        }

        [Fact]
        public void ProfileIsChosenByParameterThenAwsProfileThenDefault()
        {
            using (var home = new TemporaryHome())
            {
                home.WriteConfig(string.Join("\n",
                    "[default]", "region = us-west-1",
                    "[profile dev]", "region = eu-west-1",
                    "[profile ops]", "region = ap-southeast-2"));

                var byDefault = home.Resolve();
                Assert.Equal(("us-west-1", "default"), (byDefault.Region, byDefault.ProfileName));

                home.Environment["AWS_PROFILE"] = "dev";
                var byVariable = home.Resolve();
                Assert.Equal(("eu-west-1", "dev"), (byVariable.Region, byVariable.ProfileName));
                Assert.Equal("profile 'dev' in " + home.ConfigPath, byVariable.RegionOrigin);

                var byParameter = home.Resolve(new ClientSettingsInput { ProfileName = "ops" });
                Assert.Equal(("ap-southeast-2", "ops"), (byParameter.Region, byParameter.ProfileName));
            }
        }

        [Fact]
        public void ConfigFileIsChosenByProfileLocationThenAwsConfigFileThenHome()
        {
            using (var home = new TemporaryHome())
            {
                home.WriteConfig("[default]\nregion = us-east-2\n");
                var variableFile = home.Write("from-variable.ini", "[default]\nregion = eu-central-1\n");
                var parameterFile = home.Write("from-parameter.ini", "[default]\nregion = me-south-1\n");

                Assert.Equal("us-east-2", home.Resolve().Region);

                home.Environment["AWS_CONFIG_FILE"] = variableFile;
                var fromVariable = home.Resolve();
                Assert.Equal(("eu-central-1", "profile 'default' in " + variableFile), (fromVariable.Region, fromVariable.RegionOrigin));

                var fromParameter = home.Resolve(new ClientSettingsInput { ProfileLocation = parameterFile });
                Assert.Equal(("me-south-1", "profile 'default' in " + parameterFile), (fromParameter.Region, fromParameter.RegionOrigin));
            }
        }

        [Fact]
        public void TildeInConfigFileVariableMeansHome()
        {
            using (var home = new TemporaryHome())
            {
                home.Write("tilde.ini", "[default]\nregion = il-central-1\n");
                home.Environment["AWS_CONFIG_FILE"] = "~/tilde.ini";
                Assert.Equal("il-central-1", home.Resolve().Region);
            }
        }

        [Fact]
        public void ExplicitProfileThatDoesNotExistIsProfileNotFoundNamingProfileAndFile()
        {
            using (var home = new TemporaryHome())
            {
                home.WriteConfig("[default]\nregion = us-east-1\n");
                var error = Assert.Throws<ClientSettingsException>(() => home.Resolve(new ClientSettingsInput { ProfileName = "typo", Region = "us-east-1" }));
                Assert.Equal("ProfileNotFound", error.ErrorId);
                Assert.Contains("'typo'", error.Message);
                Assert.Contains("-ProfileName", error.Message);
                Assert.Contains(home.ConfigPath, error.Message);
            }
        }

        [Fact]
        public void AwsProfileThatDoesNotExistIsProfileNotFoundToo()
        {
            using (var home = new TemporaryHome())
            {
                home.Environment["AWS_PROFILE"] = "missing";
                var error = Assert.Throws<ClientSettingsException>(() => home.Resolve());
                Assert.Equal("ProfileNotFound", error.ErrorId);
                Assert.Contains("'missing'", error.Message);
                Assert.Contains("AWS_PROFILE", error.Message);
            }
        }

        [Fact]
        public void BareSectionInConfigFileIsNotAProfileButTheErrorSaysHowToWriteIt()
        {
            using (var home = new TemporaryHome())
            {
                home.WriteConfig("[dev]\nregion = eu-west-1\n");
                var error = Assert.Throws<ClientSettingsException>(() => home.Resolve(new ClientSettingsInput { ProfileName = "dev" }));
                Assert.Equal("ProfileNotFound", error.ErrorId);
                Assert.Contains("[profile dev]", error.Message);
            }
        }

        [Fact]
        public void ProfileLocationAcceptsCredentialsStyleSections()
        {
            using (var home = new TemporaryHome())
            {
                var file = home.Write("shared-credentials", "[dev]\naws_access_key_id = AKIDEXAMPLE\nregion = ap-northeast-1\n");
                var settings = home.Resolve(new ClientSettingsInput { ProfileName = "dev", ProfileLocation = file });
                Assert.Equal("ap-northeast-1", settings.Region);
            }
        }

        [Fact]
        public void ProfileLocationThatDoesNotExistIsRefused()
        {
            using (var home = new TemporaryHome())
            {
                var missing = Path.Combine(home.Path, "nope.ini");
                var error = Assert.Throws<ClientSettingsException>(() => home.Resolve(new ClientSettingsInput { ProfileLocation = missing, Region = "us-east-1" }));
                Assert.Equal("ProfileFileNotFound", error.ErrorId);
                Assert.Contains(missing, error.Message);
            }
        }

        [Fact]
        public void ProfileDefinedOnlyInTheCredentialsFileIsFoundAndItsValuesWin()
        {
            using (var home = new TemporaryHome())
            {
                home.WriteConfig("[profile both]\nregion = us-west-2\nmax_attempts = 7\n");
                home.WriteCredentials("[creds-only]\nregion = eu-south-1\n[both]\nregion = eu-south-2\n");

                var credsOnly = home.Resolve(new ClientSettingsInput { ProfileName = "creds-only" });
                Assert.Equal(("eu-south-1", "profile 'creds-only' in " + home.CredentialsPath), (credsOnly.Region, credsOnly.RegionOrigin));

                var both = home.Resolve(new ClientSettingsInput { ProfileName = "both" });
                Assert.Equal("eu-south-2", both.Region);
                Assert.Equal(7, both.MaxAttempts); // keys only the config file has still count
            }
        }

        [Fact]
        public void MissingDefaultProfileIsNotAnErrorWhenNoProfileWasAskedFor()
        {
            using (var home = new TemporaryHome())
            {
                home.WriteConfig("[profile other]\nregion = eu-west-1\n");
                home.Environment["AWS_REGION"] = "eu-west-2";
                Assert.Equal("eu-west-2", home.Resolve().Region);
            }
        }

        [Fact]
        public void NoRegionAnywhereIsNoRegionListingEveryWayToSetOne()
        {
            using (var home = new TemporaryHome())
            {
                home.Environment["AWS_PROFILE"] = "work";
                home.WriteConfig("[profile work]\noutput = json\n");
                var error = Assert.Throws<ClientSettingsException>(() => home.Resolve());
                Assert.Equal("NoRegion", error.ErrorId);
                foreach (var hint in new[] { "-Region", "$env:AWS_REGION", "$env:AWS_DEFAULT_REGION", "profile 'work'", home.ConfigPath, "-EndpointUrl" })
                {
                    Assert.Contains(hint, error.Message);
                }
            }
        }

        [Fact]
        public void NoRegionWithoutAnyHomeDirectoryStillExplainsItself()
        {
            var error = Assert.Throws<ClientSettingsException>(() => ClientSettingsResolver.Resolve(new ClientSettingsInput(), new FakeEnvironment(null)));
            Assert.Equal("NoRegion", error.ErrorId);
            Assert.Contains("~/.aws/config", error.Message);
        }

        [Fact]
        public void EndpointWithoutRegionDefaultsTheRegionAndSaysSo()
        {
            using (var home = new TemporaryHome())
            {
                var settings = home.Resolve(new ClientSettingsInput { EndpointUrl = "http://127.0.0.1:9229" });
                Assert.Equal(("us-east-1", SettingSource.Default), (settings.Region, settings.RegionSource));
                Assert.Contains("custom endpoint", settings.RegionOrigin);
                Assert.Equal("http://127.0.0.1:9229/", settings.ServiceUrl.AbsoluteUri);
            }
        }

        [Theory]
        [InlineData("us-east-1/evil")]
        [InlineData("eu west 1")]
        public void RegionThatCannotBeAHostNameIsInvalidRegion(string region)
        {
            using (var home = new TemporaryHome())
            {
                home.Environment["AWS_REGION"] = region;
                var error = Assert.Throws<ClientSettingsException>(() => home.Resolve());
                Assert.Equal("InvalidRegion", error.ErrorId);
                Assert.Contains("AWS_REGION", error.Message);
            }
        }

        [Fact]
        public void UnknownRegionWarnsButStillResolves()
        {
            using (var home = new TemporaryHome())
            {
                var unknown = home.Resolve(new ClientSettingsInput { Region = "us-esat-1" });
                Assert.Equal("https://cognito-idp.us-esat-1.amazonaws.com/", unknown.ServiceUrl.AbsoluteUri);
                Assert.Contains(unknown.Warnings, warning => warning.Contains("us-esat-1"));

                var pseudo = home.Resolve(new ClientSettingsInput { Region = "aws-global" });
                Assert.Contains(pseudo.Warnings, warning => warning.Contains("aws-global"));

                Assert.Empty(home.Resolve(new ClientSettingsInput { Region = "us-east-1" }).Warnings);
                Assert.Empty(home.Resolve(new ClientSettingsInput { Region = "eusc-de-east-1" }).Warnings);
            }
        }

        [Fact]
        public void KnownRegionsAreTheSortedExplicitRegionsWithoutGlobalPseudoRegions()
        {
            using (var partitions = EndpointTestData.Load("partitions.json"))
            {
                var expected = new System.Collections.Generic.List<string>();
                foreach (var partition in partitions.RootElement.GetProperty("partitions").EnumerateArray())
                {
                    foreach (var region in partition.GetProperty("regions").EnumerateObject())
                    {
                        if (!region.Name.StartsWith("aws-")) expected.Add(region.Name);
                    }
                }
                expected.Sort(System.StringComparer.Ordinal);
                Assert.Equal(expected, ClientSettingsResolver.KnownRegions);
                Assert.Contains("cn-northwest-1", ClientSettingsResolver.KnownRegions);
                Assert.Contains("eusc-de-east-1", ClientSettingsResolver.KnownRegions);
                Assert.DoesNotContain("aws-global", ClientSettingsResolver.KnownRegions);
            }
        }
    }
}
