using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;

namespace CognitoTools.Endpoints
{
    /// <summary>One AWS partition's outputs, as the rules' aws.partition function returns them.</summary>
    public sealed class AwsPartition
    {
        internal AwsPartition(string name, string dnsSuffix, string dualStackDnsSuffix, string implicitGlobalRegion,
            bool supportsFips, bool supportsDualStack, string regionRegex, string[] regions)
        {
            Name = name;
            DnsSuffix = dnsSuffix;
            DualStackDnsSuffix = dualStackDnsSuffix;
            ImplicitGlobalRegion = implicitGlobalRegion;
            SupportsFips = supportsFips;
            SupportsDualStack = supportsDualStack;
            RegionRegex = regionRegex;
            // ECMAScript: \w and \d mean ASCII only, as in the SDKs' (JavaScript/Java) evaluation of these patterns.
            regionPattern = new Regex(regionRegex, RegexOptions.ECMAScript | RegexOptions.CultureInvariant);
            Regions = Array.AsReadOnly(regions);
        }

        private readonly Regex regionPattern;

        public string Name { get; }
        public string DnsSuffix { get; }
        public string DualStackDnsSuffix { get; }
        public string ImplicitGlobalRegion { get; }
        public bool SupportsFips { get; }
        public bool SupportsDualStack { get; }
        public string RegionRegex { get; }
        /// <summary>The partition's explicit region list (including pseudo-regions such as aws-global).</summary>
        public IReadOnlyList<string> Regions { get; }

        internal bool MatchesRegionPattern(string region) => regionPattern.IsMatch(region);
    }

    /// <summary>
    /// partitions.json (version 1.1) compiled in, so nothing is read or parsed at import.
    /// A test compares this table with the JSON file in the test data.
    /// </summary>
    public static class AwsPartitions
    {
        /// <summary>All partitions, in the order of partitions.json (the order the regex fallback tries them).</summary>
        public static IReadOnlyList<AwsPartition> All { get; } = Array.AsReadOnly(new[]
        {
            new AwsPartition("aws", "amazonaws.com", "api.aws", "us-east-1",
                supportsFips: true, supportsDualStack: true,
                regionRegex: @"^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$",
                regions: new[] { "af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "aws-global", "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3", "il-central-1", "me-central-1", "me-south-1", "mx-central-1", "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2" }),
            new AwsPartition("aws-cn", "amazonaws.com.cn", "api.amazonwebservices.com.cn", "cn-northwest-1",
                supportsFips: true, supportsDualStack: true,
                regionRegex: @"^cn\-\w+\-\d+$",
                regions: new[] { "aws-cn-global", "cn-north-1", "cn-northwest-1" }),
            new AwsPartition("aws-eusc", "amazonaws.eu", "api.amazonwebservices.eu", "eusc-de-east-1",
                supportsFips: true, supportsDualStack: true,
                regionRegex: @"^eusc\-(de)\-\w+\-\d+$",
                regions: new[] { "eusc-de-east-1" }),
            new AwsPartition("aws-iso", "c2s.ic.gov", "api.aws.ic.gov", "us-iso-east-1",
                supportsFips: true, supportsDualStack: true,
                regionRegex: @"^us\-iso\-\w+\-\d+$",
                regions: new[] { "aws-iso-global", "us-iso-east-1", "us-iso-west-1" }),
            new AwsPartition("aws-iso-b", "sc2s.sgov.gov", "api.aws.scloud", "us-isob-east-1",
                supportsFips: true, supportsDualStack: true,
                regionRegex: @"^us\-isob\-\w+\-\d+$",
                regions: new[] { "aws-iso-b-global", "us-isob-east-1", "us-isob-west-1" }),
            new AwsPartition("aws-iso-e", "cloud.adc-e.uk", "api.cloud-aws.adc-e.uk", "eu-isoe-west-1",
                supportsFips: true, supportsDualStack: true,
                regionRegex: @"^eu\-isoe\-\w+\-\d+$",
                regions: new[] { "aws-iso-e-global", "eu-isoe-west-1" }),
            new AwsPartition("aws-iso-f", "csp.hci.ic.gov", "api.aws.hci.ic.gov", "us-isof-south-1",
                supportsFips: true, supportsDualStack: true,
                regionRegex: @"^us\-isof\-\w+\-\d+$",
                regions: new[] { "aws-iso-f-global", "us-isof-east-1", "us-isof-south-1" }),
            new AwsPartition("aws-us-gov", "amazonaws.com", "api.aws", "us-gov-west-1",
                supportsFips: true, supportsDualStack: true,
                regionRegex: @"^us\-gov\-\w+\-\d+$",
                regions: new[] { "aws-us-gov-global", "us-gov-east-1", "us-gov-west-1" }),
        });

        /// <summary>The partition used when a region matches no list and no pattern (the rules' aws.partition default).</summary>
        public static AwsPartition Default { get; } = Find("aws");

        /// <summary>
        /// The rules' aws.partition function: the partition listing the region explicitly, else the first whose
        /// region pattern matches, else the aws partition.
        /// </summary>
        public static AwsPartition ForRegion(string region)
        {
            if (region == null) throw new ArgumentNullException(nameof(region));
            foreach (var partition in All)
            {
                foreach (var listed in partition.Regions)
                {
                    if (string.Equals(listed, region, StringComparison.Ordinal)) return partition;
                }
            }
            foreach (var partition in All)
            {
                if (partition.MatchesRegionPattern(region)) return partition;
            }
            return Default;
        }

        private static AwsPartition Find(string name)
        {
            foreach (var partition in All)
            {
                if (partition.Name == name) return partition;
            }
            throw new InvalidOperationException("Partition " + name + " missing from the compiled table.");
        }
    }
}
