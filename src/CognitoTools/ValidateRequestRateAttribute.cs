using System;
using System.Management.Automation;
using CognitoTools.Bulk;

namespace CognitoTools
{
    /// <summary>
    /// -MaxRequestsPerSecond: 0 or <see cref="RequestRateRules.MinimumCap"/> to <see cref="RequestRateRules.MaximumCap"/>
    /// (ValidateRange alone cannot refuse the gap between 0 and the minimum). Checked at binding, before anything is sent.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    internal sealed class ValidateRequestRateAttribute : ValidateArgumentsAttribute
    {
        protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
        {
            var value = arguments is PSObject wrapped ? wrapped.BaseObject : arguments;
            if (!(value is double rate)) return; // the parameter's type converts before validation
            var problem = RequestRateRules.Check(rate);
            if (problem != null) throw new ValidationMetadataException(problem);
        }
    }
}
