// Runs graphql-http's GraphQL-over-HTTP audit suite against a server.
//   node audit.mjs <http url of /graphql>
// Prints one JSON line per audit: {"id", "name", "status": "ok" | "warn" | "error", "reason"}.
import { auditServer } from 'graphql-http';

const [url] = process.argv.slice(2);
for (const result of await auditServer({ url })) {
  const { id, name, status } = result;
  process.stdout.write(`${JSON.stringify({ id, name, status, reason: result.reason })}\n`);
}
