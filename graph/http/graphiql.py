"""GraphiQL served from this server: no CDN, so it works offline and behind firewalls.

The assets are GraphiQL's UMD build and React's UMD builds, installed by `npm ci` from the
committed package-lock.json into node_modules/ (never committed). Without them the page
says how to install them instead of reaching out to a CDN.
"""

import html
from pathlib import Path
from typing import Any

import orjson
from aiohttp import web

from graph.http.graphiql_examples import EXAMPLE_HEADERS, EXAMPLE_OPERATIONS, ExampleOperation

ASSETS_PATH = "/graphiql"
# Served name -> file under node_modules/. GraphiQL 4 is the last major with a UMD build;
# React 18 the last with UMD builds, which GraphiQL's UMD build expects as globals.
ASSETS = {
    "react.production.min.js": "react/umd/react.production.min.js",
    "react-dom.production.min.js": "react-dom/umd/react-dom.production.min.js",
    "graphiql.min.js": "graphiql/graphiql.min.js",
    "graphiql.min.css": "graphiql/graphiql.min.css",
}
# The file names carry no version, so caches revalidate (FileResponse answers with an ETag).
ASSET_CACHE_CONTROL = "public, max-age=3600, must-revalidate"

# Our own start-up script: render GraphiQL with the example tabs and the headers example.
# GraphiQL introspects the schema before its headers editor exists, so the fetcher carries
# the example headers as defaults too; the editor's headers override them on every request.
# GraphiQL 4 fills the editors of the tab it opens on from `query` and `variables` only,
# not from defaultTabs: the first tab's variables would be missing without them.
BOOT_SCRIPT = """
const config = JSON.parse(document.getElementById("graphiql-config").textContent);
const [first] = config.tabs;
// Subscriptions go over a WebSocket (graphql-transport-ws) to the same endpoint; GraphiQL's
// build carries the graphql-ws client, and sends the headers editor's headers (the key) in
// connection_init.
const socket = new URL(config.endpoint, location.href);
socket.protocol = socket.protocol === "https:" ? "wss:" : "ws:";
const root = ReactDOM.createRoot(document.getElementById("graphiql"));
root.render(
  React.createElement(GraphiQL, {
    fetcher: GraphiQL.createFetcher({
      url: config.endpoint,
      headers: config.defaultHeaders,
      subscriptionUrl: socket.href,
      wsConnectionParams: config.defaultHeaders,
    }),
    defaultTabs: config.tabs,
    query: first.query,
    variables: first.variables ?? undefined,
    defaultHeaders: config.headers,
    defaultEditorToolsVisibility: "headers",
    shouldPersistHeaders: false,
  }),
);
"""

MISSING_ASSETS_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>invoicegraph: GraphiQL is not installed</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>GraphiQL is not installed</h1>
<p>This server hosts GraphiQL's files itself (no CDN), and they are missing from
<code>{node_modules}</code>. Install them with <code>npm ci</code> in the project
directory (<code>make serve</code> does it when npm is available), then reload.</p>
<p>The API itself works: POST GraphQL requests to <code>{endpoint}</code> with
<code>Authorization: Bearer &lt;key&gt;</code>.</p>
</body>
</html>
"""


def _tab(example: ExampleOperation) -> dict[str, Any]:
    return {
        "query": example.document,
        "variables": orjson.dumps(example.variables, option=orjson.OPT_INDENT_2).decode()
        if example.variables
        else None,
        "headers": orjson.dumps(EXAMPLE_HEADERS, option=orjson.OPT_INDENT_2).decode(),
    }


def _script_json(value: Any) -> str:
    """JSON safe inside a <script> element: no '</' that could close it early."""
    return orjson.dumps(value).decode().replace("</", "<\\/")


class GraphiQL:
    """The GraphiQL page for /graphql and the asset files it loads."""

    def __init__(self, node_modules: Path, endpoint: str = "/graphql") -> None:
        self.node_modules = node_modules
        self.endpoint = endpoint

    @property
    def installed(self) -> bool:
        return all((self.node_modules / path).is_file() for path in ASSETS.values())

    def page(self) -> web.Response:
        if not self.installed:
            text = MISSING_ASSETS_PAGE.format(
                node_modules=html.escape(str(self.node_modules)), endpoint=self.endpoint
            )
            return web.Response(text=text, content_type="text/html")
        config = {
            "endpoint": self.endpoint,
            "tabs": [_tab(example) for example in EXAMPLE_OPERATIONS],
            "headers": orjson.dumps(EXAMPLE_HEADERS, option=orjson.OPT_INDENT_2).decode(),
            "defaultHeaders": EXAMPLE_HEADERS,
        }
        return web.Response(text=self._page_html(config), content_type="text/html")

    @staticmethod
    def _page_html(config: dict[str, Any]) -> str:
        return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>invoicegraph · GraphiQL</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{ASSETS_PATH}/graphiql.min.css">
<style>body {{ margin: 0; }} #graphiql {{ height: 100dvh; }}</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script src="{ASSETS_PATH}/react.production.min.js"></script>
<script src="{ASSETS_PATH}/react-dom.production.min.js"></script>
<script src="{ASSETS_PATH}/graphiql.min.js"></script>
<script id="graphiql-config" type="application/json">{_script_json(config)}</script>
<script>{BOOT_SCRIPT}</script>
</body>
</html>
"""

    async def asset(self, request: web.Request) -> web.StreamResponse:
        relative = ASSETS.get(request.match_info["name"])
        path = self.node_modules / relative if relative else None
        if path is None or not path.is_file():
            raise web.HTTPNotFound(text="No such GraphiQL asset.")
        return web.FileResponse(path, headers={"Cache-Control": ASSET_CACHE_CONTROL})
