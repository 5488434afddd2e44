#!/usr/bin/env node
// Signs requests with @smithy/signature-v4 (the JS SDK v3's signer, pinned in package-lock.json), for the xunit
// tests Auth/SigV4ReferenceTests.cs.
//
// Usage: node sigv4-reference.mjs cases.json
// Input: a JSON array of cases { id, method, url, headers: [[name, value]], bodyBase64, accessKeyId,
//   secretAccessKey, sessionToken, region, service, signingTime: "2015-08-30T12:36:00Z" }. The headers are the ones
//   to sign besides host (which this script adds from the URL, as the SDK's host-header middleware does).
// Output (stdout): a JSON array [{ id, authorization, amzDate, securityToken }].

import { createHash, createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { SignatureV4 } from "@smithy/signature-v4";

// The SDK's Sha256 constructor interface (hash, or HMAC when given a secret), on node's crypto.
class Sha256 {
  constructor(secret) {
    this.hash = secret ? createHmac("sha256", secret) : createHash("sha256");
  }
  update(data) {
    this.hash.update(typeof data === "string" ? Buffer.from(data, "utf8") : data);
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
}

const cases = JSON.parse(readFileSync(process.argv[2], "utf8"));
const results = [];
for (const c of cases) {
  const url = new URL(c.url);
  const headers = { host: url.host };
  for (const [name, value] of c.headers) headers[name] = value;
  const query = {};
  for (const [name, value] of url.searchParams) query[name] = value;
  const signer = new SignatureV4({
    credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken ?? undefined },
    region: c.region,
    service: c.service,
    sha256: Sha256,
    // The SDK adds x-amz-content-sha256 only for S3; Cognito's requests do not carry it.
    applyChecksum: false,
    uriEscapePath: true,
  });
  const signed = await signer.sign(
    {
      method: c.method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query,
      headers,
      body: Buffer.from(c.bodyBase64, "base64"),
    },
    { signingDate: new Date(c.signingTime) },
  );
  results.push({
    id: c.id,
    authorization: signed.headers["authorization"] ?? null,
    amzDate: signed.headers["x-amz-date"] ?? null,
    securityToken: signed.headers["x-amz-security-token"] ?? null,
  });
}
process.stdout.write(JSON.stringify(results));
