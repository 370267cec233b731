"""Named example operations, one per main use, that GraphiQL opens with as tabs.

tests/graph/test_graphiql.py validates every document against the current schema,
so an example that the schema no longer accepts fails the build instead of the reader.
"""

from dataclasses import dataclass
from typing import Any

# The reference fabric invoice that the demo data always holds (seeds/data/fabric-example.json).
DEMO_INVOICE_ID = "62ff5c0bec0aed3c86202c32"

# GraphiQL's headers editor starts with the key that works against the demo data.
EXAMPLE_HEADERS = {"Authorization": "Bearer demo-key"}


@dataclass(frozen=True)
class ExampleOperation:
    """A GraphQL document with the variables it needs, and the use it shows."""

    use: str
    document: str
    variables: dict[str, Any] | None = None


LOOK_UP = ExampleOperation(
    use="look up: one invoice by its invoiceId, with its lines and payments",
    document="""\
query LookUpInvoice($invoiceId: ID!) {
  invoice(invoiceId: $invoiceId) {
    invoiceNumber
    invoiceDate
    statusCode
    invoiceTotal
    currency
    customer {
      email
    }
    orders {
      orderNumber
      items {
        sku
        invoiceQuantity
        invoiceLineTotal
      }
      payments {
        paymentMethod
        settlement {
          settlementStatusCode
          settlementAmount
        }
      }
    }
  }
}
""",
    variables={"invoiceId": DEMO_INVOICE_ID},
)

LOOK_UP_BY_NUMBER = ExampleOperation(
    use="look up: one invoice by its invoiceNumber",
    document="""\
query LookUpInvoiceByNumber($invoiceNumber: String!) {
  invoiceByNumber(invoiceNumber: $invoiceNumber) {
    invoiceId
    invoiceType
    invoiceStatus
    invoiceTotal
    version
  }
}
""",
    variables={"invoiceNumber": "23940791"},
)

RELATED = ExampleOperation(
    use="related invoices: the other invoices of the same orders (a return and its shipping)",
    document="""\
query RelatedInvoices($invoiceId: ID!) {
  invoice(invoiceId: $invoiceId) {
    invoiceNumber
    invoiceType
    relatedInvoices {
      invoiceNumber
      invoiceType
      invoiceTotal
    }
  }
}
""",
    variables={"invoiceId": DEMO_INVOICE_ID},
)

SEARCH = ExampleOperation(
    use="search: invoices matching filters, in a chosen order, a page at a time",
    document="""\
# Filters combine with AND; pass pageInfo.endCursor as `after` for the next page.
query SearchInvoices($filter: InvoiceFilter, $first: Int = 10, $after: String) {
  invoices(
    filter: $filter
    sort: [{field: INVOICE_TOTAL, direction: DESC}]
    first: $first
    after: $after
  ) {
    totalCount
    edges {
      node {
        invoiceNumber
        invoiceDate
        invoiceType
        invoiceStatus
        invoiceTotal
        currency
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
""",
    variables={
        "filter": {"invoiceStatus": {"in": ["SETTLED", "CAPTURED"]}, "invoiceTotal": {"gte": "10"}},
        "first": 10,
    },
)

SUMMARY = ExampleOperation(
    use="summary: counts and exact sums by status and currency",
    document="""\
query SummarizeInvoices($filter: InvoiceFilter) {
  invoiceSummary(filter: $filter) {
    count
    byStatus {
      invoiceStatus
      currency
      count
      invoiceTotal
    }
    byCurrency {
      currency
      count
      invoiceTotal
      totalTaxAmount
    }
  }
}
""",
    variables={"filter": {"invoiceDate": {"gte": "2022-01-01T00:00:00Z"}}},
)

MUTATION = ExampleOperation(
    use="a mutation: set free-form attributes; the version grows by one",
    document="""\
mutation TagInvoice($invoiceId: ID!, $attributes: JSON!) {
  invoiceAttributesUpdate(invoiceId: $invoiceId, attributes: $attributes) {
    invoice {
      invoiceNumber
      version
      attributes
    }
    errors {
      code
      message
      field
    }
  }
}
""",
    variables={"invoiceId": DEMO_INVOICE_ID, "attributes": {"reviewed": True}},
)

# The first tab is what GraphiQL shows on opening.
EXAMPLE_OPERATIONS: tuple[ExampleOperation, ...] = (
    LOOK_UP,
    SEARCH,
    RELATED,
    SUMMARY,
    MUTATION,
    LOOK_UP_BY_NUMBER,
)
