// Runs one subscription with graphql-ws, the reference client of graphql-transport-ws.
//   node subscribe.mjs <ws url> '<{"query": ..., "variables": ..., "connectionParams": ...}>'
// Prints each result of the stream as one JSON line on stdout and exits 0 when the server
// completes it; prints the failure as one JSON line on stderr and exits 1 otherwise.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [url, request] = process.argv.slice(2);
const { query, variables = {}, connectionParams = {} } = JSON.parse(request);

const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams,
  retryAttempts: 0,
  lazy: true,
});

try {
  for await (const result of client.iterate({ query, variables })) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  }
  await client.dispose();
} catch (error) {
  const detail = error instanceof Error
    ? { message: error.message }
    : { code: error?.code, reason: error?.reason, errors: Array.isArray(error) ? error : undefined };
  process.stderr.write(`${JSON.stringify(detail)}\n`);
  await client.dispose();
  process.exit(1);
}
