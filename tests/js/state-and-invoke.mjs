// An unmodified @dapr/dapr program in HTTP mode: state save/get/bulk/transaction/delete and service
// invocation, against whatever sidecar DAPR_HTTP_PORT names. It exits non-zero on the first mismatch.
// Environment: DAPR_HTTP_PORT, STORE (state store name), TARGET_APP (app id to invoke).
import assert from "node:assert/strict";
import { CommunicationProtocolEnum, DaprClient, HttpMethod } from "@dapr/dapr";

const store = process.env.STORE ?? "statestore";
const target = process.env.TARGET_APP ?? "orders";
const client = new DaprClient({
  daprHost: "127.0.0.1",
  daprPort: process.env.DAPR_HTTP_PORT,
  communicationProtocol: CommunicationProtocolEnum.HTTP,
});

const run = `${Date.now()}-${Math.random().toString(16).slice(2)}`;
const key = (name) => `js-${run}-${name}`;

const saved = await client.state.save(store, [
  { key: key("order"), value: { orderId: 42, items: ["tea"] } },
  { key: key("text"), value: "plain text" },
]);
assert.equal(saved.error, undefined, `save failed: ${saved.error}`);

assert.deepEqual(await client.state.get(store, key("order")), { orderId: 42, items: ["tea"] });
assert.equal(await client.state.get(store, key("text")), "plain text");

const bulk = await client.state.getBulk(store, [key("order"), key("missing")]);
assert.equal(bulk.length, 2);
assert.deepEqual(bulk.find((item) => item.key === key("order")).data, { orderId: 42, items: ["tea"] });

await client.state.transaction(store, [
  { operation: "upsert", request: { key: key("tx"), value: "in a transaction" } },
  { operation: "delete", request: { key: key("text") } },
]);
assert.equal(await client.state.get(store, key("tx")), "in a transaction");
assert.equal(await client.state.get(store, key("text")), "");

const deleted = await client.state.delete(store, key("order"));
assert.equal(deleted.error, undefined, `delete failed: ${deleted.error}`);
assert.equal(await client.state.get(store, key("order")), "");

const echoed = await client.invoker.invoke(target, "echo/js", HttpMethod.POST, { hello: "from js" });
assert.deepEqual(echoed, { hello: "from js" });

const described = await client.invoker.invoke(target, "describe?from=js", HttpMethod.GET);
assert.equal(described.path, "/describe");
assert.equal(described.query, "?from=js");

const metadata = await client.metadata.get();
assert.equal(metadata.id, target);

console.log("js-compat: all checks passed");
