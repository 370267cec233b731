// Opens the server's GraphiQL page in headless Chromium (Debian's /usr/bin/chromium),
// runs the first example tab through the UI, and prints what it saw as JSON:
// {tabs, result, requests, failures, errors}.
// Usage: node graphiql-browser.mjs URL SCREENSHOT.png [CHROMIUM (default /usr/bin/chromium)]
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [url, screenshot, executablePath = "/usr/bin/chromium"] = process.argv.slice(2);
if (!url || !screenshot) {
  console.error("usage: node graphiql-browser.mjs URL SCREENSHOT.png [CHROMIUM]");
  process.exit(2);
}

const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const TIMEOUT_MS = 30_000;

// An empty profile of our own, so nothing from an earlier run (saved tabs) leaks in.
const profile = await mkdtemp(join(tmpdir(), "graphiql-profile-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  args: FLAGS,
  viewport: { width: 1400, height: 900 },
});
const requests = [];
const failures = [];
const errors = [];
try {
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(TIMEOUT_MS);
  page.on("request", (request) => requests.push(request.url()));
  page.on("response", (response) => {
    if (response.status() >= 400) failures.push(`${response.status()} ${response.url()}`);
  });
  page.on("pageerror", (error) => errors.push(String(error)));

  await page.goto(url);
  await page.locator(".graphiql-container").waitFor();
  // The schema arrives through an introspection request that carries the tab's headers.
  await page.locator(".graphiql-query-editor .CodeMirror").first().waitFor();
  const tabs = await page.locator(".graphiql-tab").allInnerTexts();

  await page.locator(".graphiql-execute-button").click();
  const resultEditor = page.locator(".result-window .CodeMirror");
  await page.waitForFunction(() =>
    document.querySelector(".result-window .CodeMirror")?.CodeMirror.getValue().trim().startsWith("{"),
  );
  const resultText = await resultEditor.evaluate((element) => element.CodeMirror.getValue());
  // The documentation explorer lists the root fields only once introspection has worked.
  await page.getByRole("button", { name: "Show Documentation Explorer" }).click();
  await page.locator(".graphiql-doc-explorer").getByText("Query", { exact: true }).waitFor();
  await page.screenshot({ path: screenshot });
  process.stdout.write(
    JSON.stringify({
      tabs: tabs.map((tab) => tab.trim()),
      result: JSON.parse(resultText),
      requests,
      failures,
      errors,
    }),
  );
} finally {
  await context.close();
  await rm(profile, { recursive: true, force: true });
}
