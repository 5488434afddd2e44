"""Runs a setup plan against a moto_server with boto3 and prints every step's result as JSON.

Usage: python3 moto-setup.py ENDPOINT_URL PLAN.json
PLAN.json: [{"name": "signer", "service": "iam", "operation": "create_user", "args": {"UserName": "signer"},
             "region": "us-east-1"}, ...]   (region optional, default us-east-1)
A string argument may refer to an earlier step's result: "${signerKey:AccessKey.SecretAccessKey}".
Each step is exactly one request to moto (one of INITIAL_NO_AUTH_ACTION_COUNT's actions); boto3 retries are off
so a failed step is not counted twice. Output (stdout): {"results": {name: result}}.
Used by tests/CognitoTools.Tests/Infrastructure/MotoServer.cs; usable from Pester as it is.
"""
import json
import re
import sys

import boto3
from botocore.config import Config

endpoint, plan_path = sys.argv[1], sys.argv[2]
with open(plan_path, encoding="utf-8") as plan_file:
    plan = json.load(plan_file)

results = {}
reference = re.compile(r"\$\{([^:}]+):([^}]+)\}")


def lookup(match):
    value = results[match.group(1)]
    for part in match.group(2).split("."):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return str(value)


def resolve(value):
    if isinstance(value, str):
        return reference.sub(lookup, value)
    if isinstance(value, list):
        return [resolve(item) for item in value]
    if isinstance(value, dict):
        return {key: resolve(item) for key, item in value.items()}
    return value


config = Config(retries={"max_attempts": 1, "mode": "standard"})
clients = {}
for step in plan:
    key = (step["service"], step.get("region", "us-east-1"))
    if key not in clients:
        clients[key] = boto3.client(step["service"], endpoint_url=endpoint, region_name=key[1], config=config,
                                    aws_access_key_id="moto-setup", aws_secret_access_key="moto-setup")
    answer = getattr(clients[key], step["operation"])(**resolve(step.get("args", {})))
    answer.pop("ResponseMetadata", None)
    results[step["name"]] = json.loads(json.dumps(answer, default=str))

json.dump({"results": results}, sys.stdout)
