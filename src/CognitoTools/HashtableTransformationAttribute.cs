using System.Collections;
using System.Management.Automation;

namespace CognitoTools
{
    /// <summary>
    /// Lets a Hashtable parameter take what ConvertFrom-Json gives for a JSON object (a PSCustomObject), so a request
    /// in AWS's field names binds by property name like the CLI's --cli-input-json. Other dictionaries become Hashtables.
    /// </summary>
    public sealed class HashtableTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            var value = CmdletExtensions.Unwrap(inputData);
            if (value == null || value is Hashtable)
            {
                return value;
            }
            if (value is IDictionary dictionary)
            {
                var copy = new Hashtable();
                foreach (DictionaryEntry entry in dictionary)
                {
                    copy[entry.Key] = entry.Value;
                }
                return copy;
            }
            if (value is PSCustomObject && inputData is PSObject custom)
            {
                var table = new Hashtable();
                foreach (var property in custom.Properties)
                {
                    table[property.Name] = property.Value;
                }
                return table;
            }
            return inputData;
        }
    }
}
