using System.Globalization;
using System.Text;

namespace CognitoTools.TestEndpoint
{
    /// <summary>
    /// GET /_test/arrivals: when each request arrived, so a test in another process can check spacing (a rate limit)
    /// and overlap (requests in flight at once) at the server rather than from the client's own timing.
    /// </summary>
    public static class ArrivalTimes
    {
        public const string Route = "GET /_test/arrivals";

        /// <summary>
        /// {"Recording":bool,"ArrivalsMs":[...]}: each request's arrival in milliseconds since the service started
        /// (monotonic clock), sorted. Empty unless requests are recorded (the standalone endpoint's --record).
        /// </summary>
        public static string ArrivalsJson(this FakeCognitoService service)
        {
            var json = new StringBuilder(64);
            json.Append("{\"Recording\":").Append(service.RecordRequests ? "true" : "false").Append(",\"ArrivalsMs\":[");
            var first = true;
            foreach (var time in service.RequestTimes)
            {
                if (!first) json.Append(',');
                first = false;
                json.Append(time.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture));
            }
            return json.Append("]}").ToString();
        }
    }
}
