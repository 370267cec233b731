"""How many items a page or list holds: the defaults and maxima that the resolvers apply
(graph/resolvers/pagination.py) and the query cost counts (graph/limits/)."""

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
DEFAULT_EVENTS_PAGE = 50
DEFAULT_RELATED = 10
MAX_RELATED = 50
"""`first` of relatedInvoices: what bounds its cost (graph/limits/cost.py) and what it reads."""
