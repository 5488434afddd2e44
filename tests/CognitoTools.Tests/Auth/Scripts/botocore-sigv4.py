"""Signs requests with botocore's own SigV4Auth, for Auth/SigV4ReferenceTests.cs.

Input: a JSON file of cases [{id, method, url, headers: [[name, value]], bodyBase64, accessKeyId, secretAccessKey,
sessionToken, region, service, signingTime: "2015-08-30T12:36:00Z"}]. Output (stdout): [{id, authorization,
amzDate, securityToken, botocore}] with the headers botocore set.
"""
import base64
import datetime
import json
import sys

import botocore
import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def sign(case):
    when = datetime.datetime.strptime(case["signingTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    # botocore reads the clock through this function; pin it to the case's signing time.
    botocore.auth.get_current_datetime = lambda *args, **kwargs: when
    request = AWSRequest(method=case["method"], url=case["url"], data=base64.b64decode(case["bodyBase64"]),
                         headers={name: value for name, value in case["headers"]})
    credentials = Credentials(case["accessKeyId"], case["secretAccessKey"], case.get("sessionToken"))
    botocore.auth.SigV4Auth(credentials, case["service"], case["region"]).add_auth(request)
    return {
        "id": case["id"],
        "authorization": request.headers.get("Authorization"),
        "amzDate": request.headers.get("X-Amz-Date"),
        "securityToken": request.headers.get("X-Amz-Security-Token"),
        "botocore": botocore.__version__,
    }


with open(sys.argv[1], encoding="utf-8") as cases_file:
    cases = json.load(cases_file)
json.dump([sign(case) for case in cases], sys.stdout)
