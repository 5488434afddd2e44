using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using CognitoTools.Protocol;

namespace CognitoTools
{
    /// <summary>
    /// Lets a Hashtable parameter take what ConvertFrom-Json gives for a JSON object (a PSCustomObject), so a request
    /// in AWS's field names binds by property name like the CLI's --cli-input-json. Other dictionaries become Hashtables.
    /// Text (a CSV cell) is read as a JSON object or key=value pairs; text that is neither is refused with an error for
    /// that row, since by-property-name binding would otherwise drop the column silently.
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
            if (value is string text)
            {
                IList<KeyValuePair<string, string>> pairs;
                try
                {
                    pairs = ClientMetadataText.Parse(text);
                }
                catch (FormatException error)
                {
                    throw new ArgumentTransformationMetadataException(error.Message, error);
                }
                if (pairs == null)
                {
                    return null;
                }
                var parsed = new Hashtable();
                foreach (var pair in pairs)
                {
                    parsed[pair.Key] = pair.Value;
                }
                return parsed;
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
