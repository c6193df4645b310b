// An unmodified @dapr/dapr subscriber (DaprServer) and publisher (DaprClient) in HTTP mode: the
// server registers its subscription through /dapr/subscribe, the client publishes, and the program
// exits non-zero unless every message arrives.
// Environment: APP_PORT (where DaprServer listens), DAPR_HTTP_PORT, PUBSUB, TOPIC.
import assert from "node:assert/strict";
import { CommunicationProtocolEnum, DaprClient, DaprServer } from "@dapr/dapr";

const pubsub = process.env.PUBSUB ?? "pubsub";
const topic = process.env.TOPIC ?? "js-orders";
const clientOptions = {
  daprHost: "127.0.0.1",
  daprPort: process.env.DAPR_HTTP_PORT,
  communicationProtocol: CommunicationProtocolEnum.HTTP,
};

const received = [];
const server = new DaprServer({
  serverHost: "127.0.0.1",
  serverPort: process.env.APP_PORT,
  communicationProtocol: CommunicationProtocolEnum.HTTP,
  clientOptions,
});
await server.pubsub.subscribe(pubsub, topic, async (data) => {
  received.push(data);
});
await server.start();

// DaprServer.start() returns once the sidecar answers, which can be before the sidecar has read
// /dapr/subscribe; a message published to pubsub.in-memory before then has no subscriber (daprd
// behaves the same). Wait until the subscription shows in the metadata, as an app would.
const metadataUrl = `http://127.0.0.1:${process.env.DAPR_HTTP_PORT}/v1.0/metadata`;
const subscribedBy = Date.now() + 30_000;
for (;;) {
  const metadata = await (await fetch(metadataUrl)).json();
  if ((metadata.subscriptions ?? []).some((s) => s.pubsubname === pubsub && s.topic === topic)) break;
  assert.ok(Date.now() < subscribedBy, "the satcar never registered the subscription");
  await new Promise((resolve) => setTimeout(resolve, 100));
}

const client = new DaprClient(clientOptions);
for (let i = 1; i <= 3; i++) {
  const result = await client.pubsub.publish(pubsub, topic, { orderId: i });
  assert.equal(result.error, undefined, `publish failed: ${result.error}`);
}

const deadline = Date.now() + 30_000;
while (received.length < 3 && Date.now() < deadline) {
  await new Promise((resolve) => setTimeout(resolve, 100));
}

assert.deepEqual(received.map((d) => d.orderId).sort(), [1, 2, 3]);
await server.stop();
console.log("js-pubsub: all checks passed");
process.exit(0);
