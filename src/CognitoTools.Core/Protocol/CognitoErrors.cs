namespace CognitoTools.Protocol
{
    /// <summary>
    /// What kind of failure an error code is, named after PowerShell's ErrorCategory members so the module maps it
    /// by name (the core does not reference PowerShell).
    /// </summary>
    public enum ErrorClassification
    {
        NotSpecified,
        ObjectNotFound,
        InvalidArgument,
        PermissionDenied,
        LimitsExceeded,
        InvalidOperation,
        SecurityError,
        ResourceUnavailable,
        ConnectionError,
        OperationTimeout,
        InvalidResult,
        NotEnabled,
        NotImplemented,
        ProtocolError,
        OperationStopped,
        InvalidData,
    }

    /// <summary>Cognito's modelled errors for ResendConfirmationCode and how each is classified. (Contract; implementation in progress.)</summary>
    public static class CognitoErrors
    {
        public static ErrorClassification Classify(string errorCode) => throw new System.NotImplementedException();
    }
}
