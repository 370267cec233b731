// Drives the server with Apollo Client and its persisted-queries link, unmodified:
// configured with nothing but the URL and the key.
//
//   node apollo-client.mjs manifest              prints the Apollo persisted-query manifest
//                                                of OPERATIONS, as the client sends them
//   node apollo-client.mjs run URL KEY NAME...   runs the named operations, in order, and
//                                                prints [{name, data, error}] as JSON
import { createHash } from "node:crypto";
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { CombinedGraphQLErrors, ServerError } from "@apollo/client/errors";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { print } from "@apollo/client/utilities";

const sha256 = (text) => createHash("sha256").update(text).digest("hex");

// Each selection names __typename, as the cache adds it: the printed text the link hashes
// is then exactly print(gql(text)), which is what the manifest holds.
const OPERATIONS = {
  CountInvoices: {
    query: gql`
      query CountInvoices($first: Int) {
        invoices(first: $first) {
          __typename
          totalCount
          edges {
            __typename
            node {
              __typename
              id
              invoiceNumber
            }
          }
        }
      }
    `,
    variables: { first: 2 },
  },
  LookUp: {
    query: gql`
      query LookUp($invoiceId: ID!) {
        invoice(invoiceId: $invoiceId) {
          __typename
          id
          invoiceNumber
        }
      }
    `,
    variables: { invoiceId: "62ff5c0bec0aed3c86202c32" },
  },
  Untrusted: {
    query: gql`
      query Untrusted {
        invoices(first: 1) {
          __typename
          totalCount
        }
      }
    `,
  },
};

function manifest() {
  return {
    format: "apollo-persisted-query-manifest",
    version: 1,
    operations: ["CountInvoices", "LookUp"].map((name) => {
      const body = print(OPERATIONS[name].query);
      return { id: sha256(body), name, type: "query", body };
    }),
  };
}

function describe(error) {
  if (CombinedGraphQLErrors.is(error)) {
    return { kind: "graphql", codes: error.errors.map((e) => e.extensions?.code ?? null) };
  }
  if (ServerError.is(error)) {
    let codes = [];
    try {
      codes = JSON.parse(error.bodyText).errors.map((e) => e.extensions?.code ?? null);
    } catch {}
    return { kind: "server", statusCode: error.statusCode, codes };
  }
  return { kind: "other", message: String(error?.message ?? error) };
}

async function run(uri, key, names) {
  const client = new ApolloClient({
    link: ApolloLink.from([
      new PersistedQueryLink({ sha256 }),
      new HttpLink({ uri, headers: { authorization: `Bearer ${key}` } }),
    ]),
    cache: new InMemoryCache(),
  });
  const results = [];
  for (const name of names) {
    const { query, variables } = OPERATIONS[name];
    try {
      const { data, error } = await client.query({ query, variables });
      results.push({ name, data: data ?? null, error: error ? describe(error) : null });
    } catch (error) {
      results.push({ name, data: null, error: describe(error) });
    }
  }
  client.stop();
  return results;
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === "manifest") {
  process.stdout.write(JSON.stringify(manifest()));
} else if (mode === "run" && rest.length >= 3) {
  const [uri, key, ...names] = rest;
  process.stdout.write(JSON.stringify(await run(uri, key, names)));
} else {
  console.error("usage: node apollo-client.mjs manifest | run URL KEY NAME...");
  process.exit(2);
}
