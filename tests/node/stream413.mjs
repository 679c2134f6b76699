// Uploads a body of <bytes> bytes as a stream (chunked, no Content-Length), the way a
// browser or Node's fetch sends a ReadableStream, and prints the status the server
// answered (or the network error the client saw instead).
// Usage: node stream413.mjs <graphql url> <bytes>
const [url, size] = [process.argv[2], Number(process.argv[3])];
const chunk = new TextEncoder().encode("x".repeat(16 * 1024));
let sent = 0;
const body = new ReadableStream({
  pull(controller) {
    if (sent >= size) return controller.close();
    sent += chunk.length;
    controller.enqueue(chunk);
  },
});
try {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body,
    duplex: "half",
  });
  const text = await res.text();
  console.log(JSON.stringify({ status: res.status, connection: res.headers.get("connection"), body: text }));
} catch (e) {
  console.log(JSON.stringify({ error: String(e.cause ?? e) }));
  process.exit(1);
}
