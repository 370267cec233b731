// A frontend's use of the generated types: a typed document and its typed result.
import type { ResultOf, VariablesOf } from "@graphql-typed-document-node/core";

import { InvoicePageDocument, type InvoicePageQuery } from "./generated/graphql";

type Row = { number: string; total: string; currency: string | null; email: string | null };

export const firstPage: VariablesOf<typeof InvoicePageDocument> = {
  first: 20,
  filter: { invoiceStatus: { eq: "SETTLED" } },
};

export function rows(page: InvoicePageQuery): Row[] {
  return page.invoices.edges.map(({ node }) => ({
    number: node.invoiceNumber,
    total: node.invoiceTotal, // Decimal: exact digits as a string, never a float
    currency: node.currency ?? null,
    email: node.customer?.email ?? null,
  }));
}

export function nextCursor(page: ResultOf<typeof InvoicePageDocument>): string | null {
  return page.invoices.pageInfo.hasNextPage ? (page.invoices.pageInfo.endCursor ?? null) : null;
}
