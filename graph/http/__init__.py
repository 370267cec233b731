"""GraphQL over HTTP and WebSocket on aiohttp: the endpoint, GraphiQL, request records."""
