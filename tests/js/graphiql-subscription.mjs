// Runs a subscription from the server's GraphiQL page in headless Chromium and prints what
// the result pane showed as JSON: {caughtUp, live, sockets, errors}. The subscription
// resumes after CURSOR, so the pane first shows the event after it (caughtUp: the
// subscription runs); then a change made here shows up live.
// Usage: node graphiql-subscription.mjs URL KEY INVOICE_ID CURSOR [CHROMIUM (default /usr/bin/chromium)]
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [url, key, invoiceId, cursor, executablePath = "/usr/bin/chromium"] = process.argv.slice(2);
const SUBSCRIPTION = `subscription Live {\n  invoiceEvents(after: ${JSON.stringify(cursor)}) {\n    cursor\n    node { invoiceId version type changedFields }\n  }\n}\n`;
const TAG = `mutation { invoiceAttributesUpdate(invoiceId: "${invoiceId}", attributes: {seen: true}) { errors { code } } }`;
const FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"];
const TIMEOUT_MS = 30_000;

const profile = await mkdtemp(join(tmpdir(), "graphiql-profile-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  args: FLAGS,
});
const sockets = [];
const errors = [];

// The result pane's JSON once it shows the event of this version of the invoice.
async function shown(page, version) {
  await page.waitForFunction((version) => {
    const text = document.querySelector(".result-window .CodeMirror")?.CodeMirror.getValue();
    try {
      return JSON.parse(text).data.invoiceEvents.node.version === version;
    } catch {
      return false;
    }
  }, version);
  const text = await page
    .locator(".result-window .CodeMirror")
    .evaluate((element) => element.CodeMirror.getValue());
  return JSON.parse(text);
}

try {
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(TIMEOUT_MS);
  page.on("pageerror", (error) => errors.push(String(error)));
  page.on("websocket", (socket) => sockets.push(socket.url()));

  await page.goto(url);
  const editor = page.locator(".graphiql-query-editor .CodeMirror").first();
  await editor.waitFor();
  await editor.evaluate((element, text) => element.CodeMirror.setValue(text), SUBSCRIPTION);
  // GraphiQL takes in an edit after a short debounce: run before it did and it runs the
  // previous tab's operation name against the new text. The tab's title shows it did.
  await page.locator(".graphiql-tab-active", { hasText: "Live" }).waitFor();
  await page.locator(".graphiql-execute-button").click();

  const caughtUp = await shown(page, 2);
  const changed = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: TAG }),
  });
  if (!changed.ok) throw new Error(`the change failed: ${changed.status}`);
  const live = await shown(page, 3);
  process.stdout.write(JSON.stringify({ caughtUp, live, sockets, errors }));
} finally {
  await context.close();
  await rm(profile, { recursive: true, force: true });
}
