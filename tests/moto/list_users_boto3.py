"""The benchmark's peer: lists a pool with boto3's ListUsers paginator and prints, per round, the users and seconds.

Usage: python3 list_users_boto3.py --endpoint URL --pool ID --key AKID --secret SECRET [--page-size 60] [--rounds 1]
The client is created before the clock starts (as the benchmark's own client is), so only the listing is timed.
"""
import argparse
import json
import time

import boto3
from botocore.config import Config


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--pool", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--page-size", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    client = boto3.client("cognito-idp", endpoint_url=args.endpoint, region_name="us-east-1", aws_access_key_id=args.key,
                          aws_secret_access_key=args.secret, config=Config(retries={"max_attempts": 3, "mode": "standard"}))
    paginator = client.get_paginator("list_users")
    for _ in range(args.rounds):
        start = time.perf_counter()
        users = 0
        pages = 0
        for page in paginator.paginate(UserPoolId=args.pool, PaginationConfig={"PageSize": args.page_size}):
            users += len(page.get("Users", []))
            pages += 1
        seconds = time.perf_counter() - start
        print(json.dumps({"users": users, "pages": pages, "seconds": seconds}), flush=True)


if __name__ == "__main__":
    main()
