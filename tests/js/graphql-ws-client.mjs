// Subscribes with the graphql-ws client (graphql-transport-ws), as a frontend app would:
//
//   node graphql-ws-client.mjs URL KEY COUNT [AFTER]
//
// runs Subscription.invoiceEvents (after the cursor AFTER, when given) until it received
// COUNT edges, then completes it and prints the edges as JSON.
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const [url, key, count, after] = process.argv.slice(2);
const SUBSCRIPTION = `
  subscription Live($after: String) {
    invoiceEvents(after: $after) { cursor node { invoiceId version type } }
  }
`;

const client = createClient({
  url,
  webSocketImpl: globalThis.WebSocket ?? WebSocket,
  connectionParams: { Authorization: `Bearer ${key}` },
  retryAttempts: 0,
});

const edges = [];
const iterator = client.iterate({ query: SUBSCRIPTION, variables: { after: after ?? null } });
for await (const result of iterator) {
  if (result.errors) {
    throw new Error(JSON.stringify(result.errors));
  }
  edges.push(result.data.invoiceEvents);
  if (edges.length === Number(count)) {
    break; // completes the subscription
  }
}
await client.dispose();
console.log(JSON.stringify(edges));
