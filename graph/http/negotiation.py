"""Content negotiation for /graphql: which media type answers, and when GraphiQL does.

GraphQL over HTTP: `application/graphql-response+json` when the client accepts it (request
errors then answer 400 without `data`), else the legacy `application/json` (every
well-formed request answers 200).
"""

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
# What the client may name in Accept -> the media type we answer with; */* keeps the
# legacy type, as the spec asks until clients opt in to the new one.
ACCEPTABLE = {
    GRAPHQL_RESPONSE_JSON: GRAPHQL_RESPONSE_JSON,
    JSON: JSON,
    "application/*": JSON,
    "*/*": JSON,
}


def negotiate(accept: str | None) -> str | None:
    """The response media type for an Accept header, or None when we have none it accepts."""
    if not accept or not accept.strip():
        return JSON
    best, best_quality = None, 0.0
    for entry in accept.split(","):
        name, *parameters = (part.strip() for part in entry.split(";"))
        media_type = ACCEPTABLE.get(name.lower())
        quality = _quality(parameters)
        # Equal quality: prefer the spec's own media type over the legacy one.
        better = quality > best_quality or (
            quality == best_quality and media_type == GRAPHQL_RESPONSE_JSON
        )
        if media_type and quality > 0 and better:
            best, best_quality = media_type, quality
    return best


def _quality(parameters: list[str]) -> float:
    for parameter in parameters:
        key, _, value = parameter.partition("=")
        if key.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0
