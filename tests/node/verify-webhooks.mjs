// Verifies recorded webhook deliveries with the Standard Webhooks reference library for
// JavaScript (an independent implementation of the signing scheme).
// Usage: node verify-webhooks.mjs <secret> <file.json>  where the file holds
// [{ "headers": {...}, "body": "<raw body>" }, ...]; prints one line per delivery.
import { readFileSync } from "node:fs";
import { Webhook } from "standardwebhooks";

const [secret, file] = process.argv.slice(2);
// The library takes the secret without its `whsec_` prefix, base64.
const wh = new Webhook(secret.replace(/^whsec_/, ""));
const deliveries = JSON.parse(readFileSync(file, "utf8"));
for (const d of deliveries) {
  try {
    const payload = wh.verify(d.body, d.headers);
    console.log(`ok ${d.headers["webhook-id"]} ${payload.type}`);
  } catch (e) {
    console.log(`invalid ${d.headers["webhook-id"]} ${e.message}`);
  }
}
