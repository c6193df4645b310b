// An unmodified @dapr/dapr program in HTTP mode reading secrets: get (also with query metadata and a
// multi-valued secret), getBulk, and the errors of a denied secret and an unknown store, against
// whatever sidecar DAPR_HTTP_PORT names. It exits non-zero on the first mismatch.
// Environment: DAPR_HTTP_PORT, FILE_STORE (local.file), MULTI_STORE (local.file, multiValued),
// REDIS_PASSWORD and DB_PASSWORD (the values the secrets file holds).
import assert from "node:assert/strict";
import { CommunicationProtocolEnum, DaprClient } from "@dapr/dapr";

const fileStore = process.env.FILE_STORE ?? "filesecrets";
const multiStore = process.env.MULTI_STORE ?? "multisecrets";
const client = new DaprClient({
  daprHost: "127.0.0.1",
  daprPort: process.env.DAPR_HTTP_PORT,
  communicationProtocol: CommunicationProtocolEnum.HTTP,
});

assert.deepEqual(await client.secret.get(fileStore, "redisPassword"), { redisPassword: process.env.REDIS_PASSWORD });
assert.deepEqual(await client.secret.get(fileStore, "db:user", "metadata.version=1"), { "db:user": "orders" });
assert.deepEqual(await client.secret.get(multiStore, "db"), { user: "orders", password: process.env.DB_PASSWORD });

const bulk = await client.secret.getBulk(fileStore);
assert.deepEqual(Object.keys(bulk).sort(), ["bulk", "db:password", "db:user", "redisPassword"]);
assert.deepEqual(bulk.redisPassword, { redisPassword: process.env.REDIS_PASSWORD });
assert.deepEqual(await client.secret.getBulk(multiStore), { db: { user: "orders", password: process.env.DB_PASSWORD } });

// The HTTP client rejects a non-2xx answer with the status and daprd's error body in the message.
async function failure(call) {
  try {
    await call();
  } catch (e) {
    const error = JSON.parse(e.message);
    return { status: error.status, errorCode: JSON.parse(error.error_msg).errorCode };
  }
  assert.fail("the call succeeded");
}

assert.deepEqual(await failure(() => client.secret.get(fileStore, "admin-token")), { status: 403, errorCode: "ERR_PERMISSION_DENIED" });
assert.deepEqual(await failure(() => client.secret.get("nostore", "redisPassword")), { status: 401, errorCode: "ERR_SECRET_STORE_NOT_FOUND" });
assert.deepEqual(await failure(() => client.secret.get(fileStore, "nope")), { status: 500, errorCode: "ERR_SECRET_GET" });
assert.deepEqual(await failure(() => client.secret.getBulk("nostore")), { status: 401, errorCode: "ERR_SECRET_STORE_NOT_FOUND" });

console.log("js-secrets: all checks passed");
