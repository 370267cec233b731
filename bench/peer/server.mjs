// The peer a team would most likely write instead: Fastify + Mercurius (graphql-jit when
// PEER_JIT=1, plain graphql-js when 0), serving invoicegraph's committed schema.graphql
// unchanged over invoices held in memory.
//
//   node bench/peer/server.mjs PORT INVOICES.json
//
// INVOICES.json is {"invoices": [{"cursor", "node"}, ...]}, the demo account's invoices in
// the order our API lists them, each dumped through our API with every field. Objects inside
// an invoice use GraphQL's default resolvers; only the root fields have resolvers.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import Fastify from "fastify";
import mercurius from "mercurius";

const [port, dataPath] = process.argv.slice(2);
const jit = process.env.PEER_JIT === "1";
const schemaPath = fileURLToPath(new URL("../../schema.graphql", import.meta.url));
const schema = readFileSync(schemaPath, "utf8");
const { invoices } = JSON.parse(readFileSync(dataPath, "utf8"));

const byId = new Map(invoices.map((edge) => [edge.node.invoiceId, edge.node]));
const byNumber = new Map(invoices.map((edge) => [edge.node.invoiceNumber, edge.node]));
const byGlobalId = new Map(invoices.map((edge) => [edge.node.id, edge.node]));
const cursorIndex = new Map(invoices.map((edge, index) => [edge.cursor, index]));

const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;

function page(_root, { first, after, last, before, filter, sort }) {
  if (last != null || before != null || filter != null || sort != null) {
    throw new Error("the peer serves forward pages of the default order only");
  }
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (size < 0 || size > MAX_PAGE_SIZE) throw new Error(`first must be 0 to ${MAX_PAGE_SIZE}`);
  let start = 0;
  if (after != null) {
    if (!cursorIndex.has(after)) throw new Error("unknown cursor");
    start = cursorIndex.get(after) + 1;
  }
  const edges = invoices.slice(start, start + size);
  return {
    edges,
    totalCount: invoices.length,
    pageInfo: {
      hasNextPage: start + size < invoices.length,
      hasPreviousPage: start > 0,
      startCursor: edges.length ? edges[0].cursor : null,
      endCursor: edges.length ? edges[edges.length - 1].cursor : null,
    },
  };
}

const resolvers = {
  Query: {
    invoice: (_root, { invoiceId }) => byId.get(invoiceId) ?? null,
    invoiceByNumber: (_root, { invoiceNumber }) => byNumber.get(invoiceNumber) ?? null,
    node: (_root, { id }) => byGlobalId.get(id) ?? null,
    invoices: page,
  },
  Node: { resolveType: () => "Invoice" },
};

const app = Fastify({ logger: false });
app.register(mercurius, { schema, resolvers, jit: jit ? 1 : 0, graphiql: false });
app.get("/healthz", async () => "ok");
await app.listen({ port: Number(port), host: "127.0.0.1" });
