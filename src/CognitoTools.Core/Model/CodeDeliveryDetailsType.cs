namespace CognitoTools.Model
{
    /// <summary>Where Cognito sent the code, as AWS's model names it, plus the user it answers so bulk results join back to their rows.</summary>
    public sealed class CodeDeliveryDetailsType
    {
        public string Username { get; set; }
        public string AttributeName { get; set; }
        /// <summary>SMS or EMAIL.</summary>
        public string DeliveryMedium { get; set; }
        /// <summary>Masked destination, e.g. j***@e***.com.</summary>
        public string Destination { get; set; }

        public override string ToString() => $"{DeliveryMedium} {Destination}";
    }
}
