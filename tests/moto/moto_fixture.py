"""Sets up a running moto_server for the listing tests and the benchmark, then turns its signature checks on.

moto_server started with INITIAL_NO_AUTH_ACTION_COUNT=N serves its first N actions without checking signatures or IAM,
then checks every request. This script uses that window to create (with boto3, unsigned-as-far-as-moto-cares):
  - IAM user "lister" allowed cognito-idp:ListUsers and sts:AssumeRole (a managed policy), with an access key;
  - IAM user "denied" with an access key and no policy (AccessDenied);
  - role "pool-reader" that lister may assume, allowed cognito-idp:ListUsers;
  - a user pool and an app client, and the users: UNCONFIRMED (sign_up), CONFIRMED (sign_up + admin_confirm_sign_up)
    and FORCE_CHANGE_PASSWORD (admin_create_user), in a fixed pattern by index;
then spends whatever is left of the window on requests with an unknown key until moto refuses one (403), so every
later request is checked, however N compared with the setup. Prints one JSON object with the ids and keys.

Usage: python3 moto_fixture.py --endpoint http://127.0.0.1:PORT --users 150 [--prefix user] [--threads 8]
"""
import argparse
import json
import sys
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

REGION = "us-east-1"


def client(service, endpoint, key="AKIDSETUPEXAMPLE", secret="setup-secret"):
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION, aws_access_key_id=key,
                        aws_secret_access_key=secret, config=Config(retries={"max_attempts": 1}, max_pool_connections=32))


def status_of(index):
    # 0, 3, 6, ... UNCONFIRMED; 1, 4, ... CONFIRMED; 2, 5, ... FORCE_CHANGE_PASSWORD
    return ("UNCONFIRMED", "CONFIRMED", "FORCE_CHANGE_PASSWORD")[index % 3]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--users", type=int, default=150)
    parser.add_argument("--prefix", default="user")
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()

    iam = client("iam", args.endpoint)
    iam.create_user(UserName="lister")
    # A managed policy attached to the user and the role (moto evaluates attached policies for STS AssumeRole).
    policy = iam.create_policy(PolicyName="list-users", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["cognito-idp:ListUsers", "sts:AssumeRole"], "Resource": "*"}]}))["Policy"]["Arn"]
    iam.attach_user_policy(UserName="lister", PolicyArn=policy)
    lister = iam.create_access_key(UserName="lister")["AccessKey"]
    iam.create_user(UserName="denied")
    denied = iam.create_access_key(UserName="denied")["AccessKey"]
    role = iam.create_role(RoleName="pool-reader", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:user/lister"}, "Action": "sts:AssumeRole"}]}))["Role"]
    iam.attach_role_policy(RoleName="pool-reader", PolicyArn=policy)

    idp = client("cognito-idp", args.endpoint)
    pool = idp.create_user_pool(PoolName="campaign")["UserPool"]["Id"]
    app = idp.create_user_pool_client(UserPoolId=pool, ClientName="campaign-app")["UserPoolClient"]["ClientId"]

    def create(index):
        name = "%s%05d" % (args.prefix, index)
        email = [{"Name": "email", "Value": name + "@example.com"}]
        status = status_of(index)
        if status == "FORCE_CHANGE_PASSWORD":
            idp.admin_create_user(UserPoolId=pool, Username=name, UserAttributes=email, MessageAction="SUPPRESS")
        else:
            idp.sign_up(ClientId=app, Username=name, Password="Passw0rd!Passw0rd", UserAttributes=email)
            if status == "CONFIRMED":
                idp.admin_confirm_sign_up(UserPoolId=pool, Username=name)

    with ThreadPoolExecutor(max_workers=max(1, args.threads)) as workers:
        list(workers.map(create, range(args.users)))

    # Spend what is left of the unchecked window: an unknown key is refused (403) once moto checks.
    sts = client("sts", args.endpoint, key="AKIDUNKNOWNDRAIN", secret="drain")
    for attempt in range(100000):
        try:
            sts.get_caller_identity()
        except ClientError as error:
            if error.response["ResponseMetadata"]["HTTPStatusCode"] == 403:
                break
            raise
    else:
        sys.exit("moto never started checking signatures")

    counts = {}
    for index in range(args.users):
        counts[status_of(index)] = counts.get(status_of(index), 0) + 1
    print(json.dumps({
        "Endpoint": args.endpoint, "Region": REGION, "UserPoolId": pool, "ClientId": app, "Users": args.users, "Prefix": args.prefix,
        "StatusCounts": counts,
        "AccessKeyId": lister["AccessKeyId"], "SecretAccessKey": lister["SecretAccessKey"],
        "DeniedAccessKeyId": denied["AccessKeyId"], "DeniedSecretAccessKey": denied["SecretAccessKey"],
        "RoleArn": role["Arn"],
    }))


if __name__ == "__main__":
    main()
