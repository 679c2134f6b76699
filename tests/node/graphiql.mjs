// Opens GraphiQL in a real browser (Debian's Chromium, driven headless by Playwright)
// with every request outside the server blocked, as on a closed network: the page must
// render, the documentation explorer must open and list the root type `Query`.
// Usage: node graphiql.mjs <server base url> <chromium path> [screenshot.png]
import { chromium } from "playwright-core";

const [base, executablePath, screenshot] = process.argv.slice(2);
const origin = new URL(base).origin;
const browser = await chromium.launch({
  executablePath,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
const outside = [];
const errors = [];
try {
  const page = await browser.newPage();
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(origin)) return route.continue();
    outside.push(url);
    return route.abort();
  });
  const res = await page.goto(`${base}/graphql`, { waitUntil: "load" });
  const csp = res.headers()["content-security-policy"] ?? "";
  await page.waitForSelector(".graphiql-container", { timeout: 20000 });
  await page.click('[aria-label="Show Documentation Explorer"]', { timeout: 10000 });
  const explorer = page.locator(".graphiql-doc-explorer");
  await explorer.getByText("Query", { exact: true }).first().waitFor({ timeout: 20000 });
  const text = await explorer.innerText();
  if (screenshot) await page.screenshot({ path: screenshot });
  console.log(JSON.stringify({ ok: true, csp, outside, errors, explorer: text.slice(0, 400) }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: String(e), outside, errors }));
  process.exitCode = 1;
} finally {
  await browser.close();
}
