#!/usr/bin/env node
// Reference client for the conformance tests: sends Cognito's ResendConfirmationCode with AWS's own
// JavaScript SDK v3 to the endpoints the test harness names, and prints what the SDK surfaced.
//
// Usage: node reference-client.mjs [cases.json]   (reads the cases from stdin when no file is given)
//
// Input: a JSON array of cases
//   { "id": "plain", "endpoint": "http://127.0.0.1:1234", "maxAttempts": 3, "input": { "ClientId": ..., ... } }
// Output (stdout): a JSON array, one result per case, in input order:
//   success: { id, ok: true, output: { CodeDeliveryDetails }, requestId, attempts, httpStatusCode,
//              credentialsRequested }
//   error:   { id, ok: false, name, message, httpStatusCode, requestId, fault, retryable, attempts,
//              code, retryErrorType, credentialsRequested }
// retryErrorType is what the SDK's retry middleware classifies the error as (THROTTLING, TRANSIENT,
// SERVER_ERROR, CLIENT_ERROR), computed with the very functions the middleware uses; the standard
// strategy retries THROTTLING and TRANSIENT only.

import { readFileSync } from "node:fs";
import { CognitoIdentityProviderClient, ResendConfirmationCodeCommand } from "@aws-sdk/client-cognito-identity-provider";
import { ConfiguredRetryStrategy, isServerError, isThrottlingError, isTransientError } from "@smithy/core/retry";

// The standard strategy's decisions (which errors, how many attempts, retry quota) with a 1 ms backoff,
// so a run of many retried cases takes milliseconds instead of the real 50 ms-20 s waits.
const RETRY_DELAY_MS = 1;

// The operation is unsigned (noAuth), so the SDK should never ask for credentials. Fake ones from a provider
// that records being asked: it could never pick up real ones from the environment, and each result says
// whether the SDK wanted them (credentialsRequested).
const FAKE_CREDENTIALS = { accessKeyId: "AKIDCONFORMANCETEST", secretAccessKey: "conformance-test-not-a-secret" };

function readCases() {
    const file = process.argv[2];
    const text = file && file !== "-" ? readFileSync(file, "utf8") : readFileSync(0, "utf8");
    const cases = JSON.parse(text);
    if (!Array.isArray(cases)) throw new Error("The cases must be a JSON array.");
    return cases;
}

// Mirrors getRetryErrorType in @smithy/core's retry middleware.
function retryErrorTypeOf(error) {
    if (isThrottlingError(error)) return "THROTTLING";
    if (isTransientError(error)) return "TRANSIENT";
    if (isServerError(error)) return "SERVER_ERROR";
    return "CLIENT_ERROR";
}

async function runCase(testCase) {
    const maxAttempts = testCase.maxAttempts ?? 3;
    let credentialsRequested = false;
    const client = new CognitoIdentityProviderClient({
        region: testCase.region ?? "us-east-1",
        endpoint: testCase.endpoint,
        maxAttempts,
        retryStrategy: new ConfiguredRetryStrategy(maxAttempts, () => RETRY_DELAY_MS),
        credentials: async () => {
            credentialsRequested = true;
            return FAKE_CREDENTIALS;
        },
        requestHandler: { connectionTimeout: 5000, requestTimeout: testCase.requestTimeoutMs ?? 10000 },
    });
    try {
        const output = await client.send(new ResendConfirmationCodeCommand(testCase.input));
        return {
            id: testCase.id,
            ok: true,
            output: { CodeDeliveryDetails: output.CodeDeliveryDetails ?? null },
            requestId: output.$metadata?.requestId ?? null,
            attempts: output.$metadata?.attempts ?? null,
            httpStatusCode: output.$metadata?.httpStatusCode ?? null,
            credentialsRequested,
        };
    } catch (error) {
        return {
            id: testCase.id,
            ok: false,
            name: error?.name ?? null,
            message: error?.message ?? null,
            httpStatusCode: error?.$metadata?.httpStatusCode ?? null,
            requestId: error?.$metadata?.requestId ?? null,
            fault: error?.$fault ?? null,
            retryable: error?.$retryable ?? null,
            attempts: error?.$metadata?.attempts ?? null,
            code: error?.code ?? null,
            retryErrorType: error ? retryErrorTypeOf(error) : null,
            credentialsRequested,
        };
    } finally {
        client.destroy();
    }
}

const results = [];
// One case at a time: each has its own capture server, but sequential runs keep the SDK's per-client retry
// quota and the output order simple, and the whole batch still takes well under a second.
for (const testCase of readCases()) {
    results.push(await runCase(testCase));
}
process.stdout.write(JSON.stringify(results) + "\n");
