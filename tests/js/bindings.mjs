// An unmodified @dapr/dapr program in HTTP mode: output bindings through client.binding.send, against
// whatever sidecar DAPR_HTTP_PORT names. It exits non-zero on the first mismatch.
// Environment: DAPR_HTTP_PORT; the sidecar has the bindings "files" (bindings.localstorage),
// "web" (bindings.http) and "cache" (bindings.redis).
import assert from "node:assert/strict";
import { CommunicationProtocolEnum, DaprClient } from "@dapr/dapr";

const client = new DaprClient({
  daprHost: "127.0.0.1",
  daprPort: process.env.DAPR_HTTP_PORT,
  communicationProtocol: CommunicationProtocolEnum.HTTP,
});

const run = `${Date.now()}-${Math.random().toString(16).slice(2)}`;
const fileName = `js-${run}/order.json`;

// localstorage: create answers {"fileName"}, get the stored JSON, list the paths, delete nothing.
const created = await client.binding.send("files", "create", { orderId: 42, items: ["tea"] }, { fileName });
assert.deepEqual(created, { fileName });
assert.deepEqual(await client.binding.send("files", "get", undefined, { fileName }), { orderId: 42, items: ["tea"] });
const listed = await client.binding.send("files", "list", undefined, {});
assert.ok(Array.isArray(listed) && listed.some((path) => path.endsWith(fileName)), `list: ${JSON.stringify(listed)}`);
assert.equal(await client.binding.send("files", "delete", undefined, { fileName }), "");

// A JSON string keeps its quotes on the way to the component (Redis stores what it receives).
const key = `js-${run}`;
assert.equal(await client.binding.send("cache", "create", "plain text", { key }), "");
assert.equal(await client.binding.send("cache", "get", undefined, { key }), "plain text");
assert.equal(await client.binding.send("cache", "delete", undefined, { key }), "");

// http: the fake server describes the request it got.
const described = await client.binding.send("web", "get", undefined, { path: `describe-${run}` });
assert.equal(described.method, "GET");
assert.equal(described.path, `/describe-${run}`);

// Failures reach the SDK as errors carrying daprd's status and code.
await assert.rejects(client.binding.send("nope", "create", {}), (error) => {
  const detail = JSON.parse(error.message);
  assert.equal(detail.status, 500);
  const body = JSON.parse(detail.error_msg);
  assert.equal(body.errorCode, "ERR_INVOKE_OUTPUT_BINDING");
  assert.equal(body.message, "error invoking output binding nope: couldn't find output binding nope");
  return true;
});
await assert.rejects(client.binding.send("web", "get", undefined, { path: "status/404" }), /ERR_INVOKE_OUTPUT_BINDING/);

console.log("js-bindings: all checks passed");
