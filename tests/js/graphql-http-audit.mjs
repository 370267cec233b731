// Runs the graphql-http server audit suite against a running server and prints the
// results as JSON: [{id, name, status, reason}]. Usage: node graphql-http-audit.mjs URL KEY
import { serverAudits } from "graphql-http";

const [url, key] = process.argv.slice(2);
if (!url || !key) {
  console.error("usage: node graphql-http-audit.mjs URL KEY");
  process.exit(2);
}

// The audits send their own requests; every one of them carries the API key.
function fetchWithKey(input, init = {}) {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${key}`);
  return fetch(input, { ...init, headers });
}

const results = await Promise.all(
  serverAudits({ url, fetchFn: fetchWithKey }).map(async (audit) => {
    const result = await audit.fn();
    return { id: result.id, name: result.name, status: result.status, reason: result.reason };
  }),
);
process.stdout.write(JSON.stringify(results));
