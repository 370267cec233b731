// Runs a subscription from the server's GraphiQL page in headless Chromium, makes a change
// once it runs, and prints what the result pane showed as JSON: {result, sockets, errors}.
// Usage: node graphiql-subscription.mjs URL KEY INVOICE_ID [CHROMIUM (default /usr/bin/chromium)]
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [url, key, invoiceId, executablePath = "/usr/bin/chromium"] = process.argv.slice(2);
const SUBSCRIPTION = "subscription Live {\n  invoiceEvents {\n    cursor\n    node { invoiceId version type changedFields }\n  }\n}\n";
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
try {
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(TIMEOUT_MS);
  page.on("pageerror", (error) => errors.push(String(error)));
  let subscribed;
  const subscribing = new Promise((resolve) => (subscribed = resolve));
  page.on("websocket", (socket) => {
    sockets.push(socket.url());
    socket.on("framesent", (frame) => {
      if (String(frame.payload).includes('"subscribe"')) subscribed();
    });
  });

  await page.goto(url);
  await page.locator(".graphiql-query-editor .CodeMirror").first().waitFor();
  await page
    .locator(".graphiql-query-editor .CodeMirror")
    .first()
    .evaluate((element, text) => element.CodeMirror.setValue(text), SUBSCRIPTION);
  await page.locator(".graphiql-execute-button").click();
  await subscribing;
  await new Promise((resolve) => setTimeout(resolve, 500)); // its first read of the feed
  const changed = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: TAG }),
  });
  if (!changed.ok) throw new Error(`the change failed: ${changed.status}`);
  await page.waitForFunction(() =>
    document.querySelector(".result-window .CodeMirror")?.CodeMirror.getValue().includes("invoiceEvents"),
  );
  const text = await page
    .locator(".result-window .CodeMirror")
    .evaluate((element) => element.CodeMirror.getValue());
  process.stdout.write(JSON.stringify({ result: JSON.parse(text), sockets, errors }));
} finally {
  await context.close();
  await rm(profile, { recursive: true, force: true });
}
