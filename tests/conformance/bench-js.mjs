#!/usr/bin/env node
// The AWS JavaScript SDK v3 side of the CognitoTools benchmark: sends N ResendConfirmationCode calls to a local
// endpoint with C calls in flight, and prints one JSON line:
//   { "requests": N, "succeeded": S, "failed": F, "seconds": wall, "cpuMicros": user+system CPU of this process }
// A short warm-up (not counted) runs first so both sides are measured after their JIT has settled.
//
// Usage: node bench-js.mjs --endpoint http://127.0.0.1:PORT/ --users N --concurrency C
//                          [--client-id demoappclient1] [--prefix user] [--digits 4] [--warmup 200]
//                          [--max-attempts 3] [--retry-mode standard|adaptive]
// Usernames are <prefix><i zero-padded to digits>, i = 1..N, as the test endpoint's --seed-users creates them.

import { CognitoIdentityProviderClient, ResendConfirmationCodeCommand } from "@aws-sdk/client-cognito-identity-provider";

function parseArgs(argv) {
    const options = { clientId: "demoappclient1", prefix: "user", digits: 4, users: 1000, concurrency: 1, warmup: 200, maxAttempts: 3, retryMode: "standard" };
    for (let i = 0; i < argv.length; i++) {
        const value = () => {
            if (i + 1 >= argv.length) throw new Error(`${argv[i]} needs a value`);
            return argv[++i];
        };
        switch (argv[i]) {
            case "--endpoint": options.endpoint = value(); break;
            case "--users": options.users = Number.parseInt(value(), 10); break;
            case "--concurrency": options.concurrency = Number.parseInt(value(), 10); break;
            case "--client-id": options.clientId = value(); break;
            case "--prefix": options.prefix = value(); break;
            case "--digits": options.digits = Number.parseInt(value(), 10); break;
            case "--warmup": options.warmup = Number.parseInt(value(), 10); break;
            case "--max-attempts": options.maxAttempts = Number.parseInt(value(), 10); break;
            case "--retry-mode": options.retryMode = value(); break;
            default: throw new Error(`unknown option ${argv[i]}`);
        }
    }
    if (!options.endpoint) throw new Error("--endpoint is required");
    if (!(options.users > 0) || !(options.concurrency > 0)) throw new Error("--users and --concurrency must be positive");
    return options;
}

const options = parseArgs(process.argv.slice(2));

// The operation is unsigned; static fake credentials make sure nothing real could ever be picked up.
const client = new CognitoIdentityProviderClient({
    region: "us-east-1",
    endpoint: options.endpoint,
    maxAttempts: options.maxAttempts,
    retryMode: options.retryMode,
    credentials: { accessKeyId: "AKIDBENCHMARK", secretAccessKey: "benchmark-not-a-secret" },
});

const usernameOf = (i) => options.prefix + String(i).padStart(options.digits, "0");

// C workers pull the next index until N are sent: C calls in flight, like our ThrottleLimit.
async function run(count) {
    let next = 1;
    let succeeded = 0;
    let failed = 0;
    const worker = async () => {
        while (true) {
            const i = next++;
            if (i > count) return;
            try {
                await client.send(new ResendConfirmationCodeCommand({ ClientId: options.clientId, Username: usernameOf(i) }));
                succeeded++;
            } catch {
                failed++;
            }
        }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency, count) }, worker));
    return { succeeded, failed };
}

if (options.warmup > 0) await run(Math.min(options.warmup, options.users));

const cpuBefore = process.cpuUsage();
const started = process.hrtime.bigint();
const { succeeded, failed } = await run(options.users);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const cpu = process.cpuUsage(cpuBefore);
client.destroy();

process.stdout.write(JSON.stringify({
    requests: options.users,
    succeeded,
    failed,
    seconds,
    cpuMicros: cpu.user + cpu.system,
}) + "\n");
