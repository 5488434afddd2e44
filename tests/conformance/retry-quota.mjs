#!/usr/bin/env node
// Prints how the pinned AWS JS SDK's standard retry strategy spends and refunds its retry quota, and its backoff
// constants, measured through the strategy itself (no waits), so the conformance tests notice when an SDK update
// changes what CognitoTools' RetryQuota and RetryClassifier copy.

import { MAXIMUM_RETRY_DELAY, Retry, StandardRetryStrategy } from "@smithy/core/retry";

const noWait = { computeNextBackoffDelay: () => 0, setDelayBase() {} };
const strategy = new StandardRetryStrategy({ maxAttempts: 3, backoff: noWait });
const initial = strategy.getCapacity();

let transient = await strategy.acquireInitialRetryToken("cognito-idp");
transient = await strategy.refreshRetryTokenForRetry(transient, { errorType: "TRANSIENT" });
const afterTransientRetry = strategy.getCapacity();
strategy.recordSuccess(transient);
const afterRetriedSuccess = strategy.getCapacity();

let throttled = await strategy.acquireInitialRetryToken("cognito-idp");
throttled = await strategy.refreshRetryTokenForRetry(throttled, { errorType: "THROTTLING" });
const afterThrottlingRetry = strategy.getCapacity();
strategy.recordSuccess(await strategy.acquireInitialRetryToken("cognito-idp"));
const afterFirstAttemptSuccess = strategy.getCapacity();

// With one call failing over and over, how many retries the full quota pays for.
let retries = 0;
const drained = new StandardRetryStrategy({ maxAttempts: 1000, backoff: noWait });
for (let token = await drained.acquireInitialRetryToken("cognito-idp"); ;) {
    try {
        token = await drained.refreshRetryTokenForRetry(token, { errorType: "TRANSIENT" });
        retries++;
    } catch {
        break;
    }
}

console.log(JSON.stringify({
    initialTokens: initial,
    transientRetryCost: initial - afterTransientRetry,
    refundAfterRetriedSuccess: afterRetriedSuccess - afterTransientRetry,
    throttlingRetryCost: afterRetriedSuccess - afterThrottlingRetry,
    firstAttemptSuccessIncrement: afterFirstAttemptSuccess - afterThrottlingRetry,
    transientRetriesFromFull: retries,
    transientBaseDelayMs: Retry.delay(),
    throttlingBaseDelayMs: Retry.throttlingDelay(),
    maxBackoffMs: MAXIMUM_RETRY_DELAY,
}));
