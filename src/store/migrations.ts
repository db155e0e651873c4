/**
 * The database schema as an ordered list of migrations. Adding a table (findings, policy, ...) is one
 * new entry at the end with the next version number; a migration is never edited once released.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const INVENTORY_V1 = `
CREATE TABLE assets (
  id TEXT PRIMARY KEY,
  role TEXT NOT NULL,
  purdue_level INTEGER,
  vendor TEXT,            -- identity vendor, else the MAC vendor: what a person filters and sorts by
  mac_vendor TEXT,
  name TEXT,              -- first name, for sorting
  first_seen REAL NOT NULL,
  last_seen REAL NOT NULL,
  gateway_evidence TEXT,  -- set when the address evidence made it a router; kept across merges
  data TEXT NOT NULL      -- the whole Asset (src/core/model.ts) as JSON
);
CREATE INDEX assets_role ON assets (role, id);
CREATE INDEX assets_vendor ON assets (vendor, id);
CREATE INDEX assets_mac_vendor ON assets (mac_vendor, id);
CREATE INDEX assets_last_seen ON assets (last_seen);

-- Addresses of assets, to find an asset by IP or MAC.
CREATE TABLE asset_addresses (
  kind TEXT NOT NULL,     -- 'ip' | 'mac'
  value TEXT NOT NULL,
  asset_id TEXT NOT NULL,
  PRIMARY KEY (kind, value, asset_id)
) WITHOUT ROWID;
CREATE INDEX asset_addresses_asset ON asset_addresses (asset_id);

-- Protocols an asset serves or uses, to filter assets by protocol.
CREATE TABLE asset_protocols (
  protocol TEXT NOT NULL,
  side TEXT NOT NULL,     -- 'server' | 'client'
  asset_id TEXT NOT NULL,
  PRIMARY KEY (protocol, side, asset_id)
) WITHOUT ROWID;
CREATE INDEX asset_protocols_asset ON asset_protocols (asset_id);

-- Every identity value ever reported for an asset, with when it was seen first and last.
CREATE TABLE identity_history (
  asset_id TEXT NOT NULL,
  attribute TEXT NOT NULL,
  value TEXT NOT NULL,
  protocol TEXT NOT NULL,
  first_ts REAL NOT NULL,
  last_ts REAL NOT NULL,
  PRIMARY KEY (asset_id, attribute, value, protocol)
) WITHOUT ROWID;

CREATE TABLE paths (
  id TEXT PRIMARY KEY,
  initiator TEXT NOT NULL,
  responder TEXT NOT NULL,
  initiator_ip TEXT NOT NULL,
  responder_ip TEXT NOT NULL,
  protocol TEXT NOT NULL,
  transport TEXT NOT NULL,
  responder_port INTEGER NOT NULL,
  packets_to_responder INTEGER NOT NULL,
  packets_to_initiator INTEGER NOT NULL,
  bytes_to_responder INTEGER NOT NULL,
  bytes_to_initiator INTEGER NOT NULL,
  first_seen REAL NOT NULL,
  last_seen REAL NOT NULL,
  facts TEXT NOT NULL     -- JSON { fact: [values] }
);
CREATE INDEX paths_protocol ON paths (protocol, id);
CREATE INDEX paths_initiator ON paths (initiator);
CREATE INDEX paths_responder ON paths (responder);
CREATE INDEX paths_last_seen ON paths (last_seen);

CREATE TABLE path_operations (
  path_id TEXT NOT NULL,
  operation TEXT NOT NULL,
  count INTEGER NOT NULL,
  functions TEXT NOT NULL, -- JSON { fn: count }
  examples TEXT NOT NULL,  -- JSON [detail, ...]
  PRIMARY KEY (path_id, operation)
) WITHOUT ROWID;
CREATE INDEX path_operations_operation ON path_operations (operation, path_id);

CREATE TABLE inventory_changes (
  id INTEGER PRIMARY KEY,
  ts REAL NOT NULL,
  kind TEXT NOT NULL,
  asset_id TEXT NOT NULL,
  detail TEXT NOT NULL,
  UNIQUE (kind, asset_id, ts, detail)
);
CREATE INDEX inventory_changes_ts ON inventory_changes (ts);
CREATE INDEX inventory_changes_asset ON inventory_changes (asset_id, ts);

-- Captures already merged, so that analysing one twice does not count its traffic twice.
CREATE TABLE captures (
  fingerprint TEXT PRIMARY KEY,
  file TEXT NOT NULL,
  size INTEGER NOT NULL,
  packets INTEGER NOT NULL,
  analysed_at TEXT NOT NULL
);
`;

/**
 * The outbox triggers (migration 5): after an insert, update or delete of an entity row, and only while sync_state
 * names a site, the next sequence goes to that entity's outbox row. `id` is the entity id as an SQL expression of
 * the row (NEW or OLD).
 */
const OUTBOX_ENTITIES: readonly { table: string; kind: string; id: (row: 'NEW' | 'OLD') => string }[] = [
  { table: 'assets', kind: 'asset', id: (r) => `${r}.id` },
  { table: 'paths', kind: 'path', id: (r) => `${r}.id` },
  { table: 'findings', kind: 'finding', id: (r) => `${r}.id` },
  {
    table: 'identity_history',
    kind: 'identity',
    id: (r) => `json_array(${r}.asset_id, ${r}.attribute, ${r}.value, ${r}.protocol)`,
  },
];
const OUTBOX_TRIGGERS = OUTBOX_ENTITIES.flatMap(({ table, kind, id }) =>
  (['INSERT', 'UPDATE', 'DELETE'] as const).map((event) => {
    const row = event === 'DELETE' ? 'OLD' : 'NEW';
    return `CREATE TRIGGER sync_${table}_${event.toLowerCase()} AFTER ${event} ON ${table} WHEN (SELECT site FROM sync_state WHERE id = 1) IS NOT NULL BEGIN
  UPDATE sync_state SET seq = seq + 1 WHERE id = 1;
  INSERT OR REPLACE INTO sync_outbox (kind, entity_id, seq) VALUES ('${kind}', ${id(row)}, (SELECT seq FROM sync_state WHERE id = 1));
END;
`;
  }),
).join('');

/**
 * The placement triggers (migration 8): the audit replaces the whole placement (asset_zones, path_zones,
 * path_conduits) at every run, deleting every row and inserting it again, so a trigger on those tables that
 * recorded each insert would put the whole inventory into the outbox at every audit (every few seconds for a
 * live agent). Each trigger therefore records the owning asset or path only when its placement differs from
 * the one last recorded for it (`sync_placement`), and the deletes record nothing. A placement that only
 * loses one of several conduits, its zones and verdict unchanged, goes with the path's next change.
 * With no site the trigger's WHEN stops at its first test, as migration 5's. Nothing deletes assets or paths, so
 * `sync_placement` holds at most one row per placed asset, path and path's conduit.
 */
const PLACEMENT_SITE = '(SELECT site FROM sync_state WHERE id = 1) IS NOT NULL';
const PLACEMENT_ENTITIES: readonly { table: string; kind: string; owner: string; key: string; value: string }[] = [
  { table: 'asset_zones', kind: 'asset', owner: 'NEW.asset_id', key: 'NEW.asset_id', value: 'NEW.zone' },
  {
    table: 'path_zones',
    kind: 'path',
    owner: 'NEW.path_id',
    key: 'NEW.path_id',
    value: 'json_array(NEW.from_zone, NEW.to_zone, NEW.status)',
  },
  // one row per (path, conduit): a conduit newly on a path records the path
  { table: 'path_conduits', kind: 'conduit', owner: 'NEW.path_id', key: 'json_array(NEW.path_id, NEW.conduit)', value: "''" },
];
const PLACEMENT_TRIGGERS = PLACEMENT_ENTITIES.flatMap(({ table, kind, owner, key, value }) =>
  (['INSERT', 'UPDATE'] as const).map(
    (event) => `CREATE TRIGGER sync_${table}_${event.toLowerCase()} AFTER ${event} ON ${table}
WHEN ${PLACEMENT_SITE} AND ${value} IS NOT (SELECT placement FROM sync_placement WHERE kind = '${kind}' AND entity_id = ${key}) BEGIN
  INSERT OR REPLACE INTO sync_placement (kind, entity_id, placement) VALUES ('${kind}', ${key}, ${value});
  UPDATE sync_state SET seq = seq + 1 WHERE id = 1;
  INSERT OR REPLACE INTO sync_outbox (kind, entity_id, seq) VALUES ('${kind === 'asset' ? 'asset' : 'path'}', ${owner}, (SELECT seq FROM sync_state WHERE id = 1));
END;
`,
  ),
).join('');

/**
 * The outbox and placement triggers exist only while the database publishes as a site (migration 9 drops them;
 * Outbox.enable and the opening of a publishing database create them). Even with a WHEN that stops at once, a
 * trigger makes SQLite open a statement journal for each row written: 6 µs per row, a third of writing the
 * 20,000 paths of a large plant, for a sensor that publishes nothing.
 */
export const SYNC_TRIGGERS_SQL = (OUTBOX_TRIGGERS + PLACEMENT_TRIGGERS).replaceAll('CREATE TRIGGER ', 'CREATE TRIGGER IF NOT EXISTS ');
const SYNC_TRIGGER_NAMES = [...(OUTBOX_TRIGGERS + PLACEMENT_TRIGGERS).matchAll(/CREATE TRIGGER (\w+)/g)].map((m) => m[1]!);

export const migrations: readonly Migration[] = [
  { version: 1, name: 'inventory: assets, paths, identity history, changes, captures', sql: INVENTORY_V1 },
  // REST API (api/, agent/jobs/): tokens, upload jobs, policy versions, stored findings with their
  // lifecycle events, and the zone placement of assets and paths (indexed for the API's filters).
  {
    version: 2,
    name: 'api: tokens, jobs, policy versions, findings, zone placement',
    sql: `
CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, role TEXT NOT NULL CHECK (role IN ('viewer', 'admin')),
  label TEXT, created_at TEXT NOT NULL, last_used_at TEXT, revoked_at TEXT
);
CREATE TABLE jobs (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, status TEXT NOT NULL, file TEXT NOT NULL, size INTEGER NOT NULL,
  bytes_done INTEGER NOT NULL DEFAULT 0, packets INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,
  created_by TEXT, created_at TEXT NOT NULL, started_at TEXT, finished_at TEXT, error TEXT, result TEXT
);
CREATE INDEX jobs_status ON jobs (status, created_at);
CREATE TABLE policy_versions (version INTEGER PRIMARY KEY, text TEXT NOT NULL, created_at TEXT NOT NULL, created_by TEXT);
CREATE TABLE findings (
  id TEXT PRIMARY KEY, rule TEXT NOT NULL, severity TEXT NOT NULL, severity_rank INTEGER NOT NULL, status TEXT NOT NULL,
  conduit TEXT, first_seen REAL NOT NULL, last_seen REAL NOT NULL, detected_at REAL NOT NULL, updated_at REAL NOT NULL
) WITHOUT ROWID;
-- The finding's JSON apart: filtered counts and sorts then read small rows only.
CREATE TABLE finding_data (id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE INDEX findings_rank ON findings (severity_rank, id);
CREATE INDEX findings_rule ON findings (rule, severity_rank, id);
CREATE INDEX findings_rule_status ON findings (rule, status, severity_rank, id);
CREATE INDEX findings_severity ON findings (severity, severity_rank, id);
CREATE INDEX findings_status ON findings (status, severity_rank, id);
CREATE INDEX findings_conduit ON findings (conduit, severity_rank, id);
CREATE INDEX findings_last_seen ON findings (last_seen, id);
CREATE TABLE finding_zones (zone TEXT NOT NULL, finding_id TEXT NOT NULL, PRIMARY KEY (zone, finding_id)) WITHOUT ROWID;
CREATE INDEX finding_zones_finding ON finding_zones (finding_id);
CREATE TABLE finding_assets (asset_id TEXT NOT NULL, finding_id TEXT NOT NULL, PRIMARY KEY (asset_id, finding_id)) WITHOUT ROWID;
CREATE INDEX finding_assets_finding ON finding_assets (finding_id);
CREATE TABLE finding_events (
  id INTEGER PRIMARY KEY, finding_id TEXT NOT NULL, ts REAL NOT NULL, status TEXT NOT NULL, actor TEXT NOT NULL, comment TEXT
);
CREATE INDEX finding_events_finding ON finding_events (finding_id, ts);
CREATE TABLE asset_zones (asset_id TEXT PRIMARY KEY, zone TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX asset_zones_zone ON asset_zones (zone, asset_id);
CREATE TABLE path_zones (path_id TEXT PRIMARY KEY, from_zone TEXT NOT NULL, to_zone TEXT NOT NULL, status TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX path_zones_pair ON path_zones (from_zone, to_zone, path_id);
CREATE INDEX path_zones_to ON path_zones (to_zone, path_id);
CREATE TABLE path_conduits (conduit TEXT NOT NULL, path_id TEXT NOT NULL, PRIMARY KEY (conduit, path_id)) WITHOUT ROWID;
CREATE INDEX paths_last_seen_id ON paths (last_seen, id);
CREATE INDEX paths_protocol_last_seen ON paths (protocol, last_seen, id);
CREATE INDEX assets_last_seen_id ON assets (last_seen, id);
`,
  },
  // One findings writer (src/store/findings-repository.ts) for analyze, the live agent and the API: the lifecycle
  // state of src/audit/lifecycle.ts in columns (the finding's JSON stays in finding_data, its history in
  // finding_events). Rows written before get what their columns and events tell.
  {
    version: 3,
    name: 'findings: lifecycle state (last detected, resolved at, reopen count, acknowledgement)',
    sql: `
ALTER TABLE findings ADD COLUMN last_detected REAL;
ALTER TABLE findings ADD COLUMN resolved_at REAL;
ALTER TABLE findings ADD COLUMN reopen_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE findings ADD COLUMN ack_by TEXT;
ALTER TABLE findings ADD COLUMN ack_reason TEXT;
ALTER TABLE findings ADD COLUMN ack_at REAL;
UPDATE findings SET last_detected = updated_at;
UPDATE findings SET resolved_at = updated_at WHERE status = 'resolved';
UPDATE findings SET
  ack_by = (SELECT actor FROM finding_events e WHERE e.finding_id = findings.id AND e.status = 'acknowledged' ORDER BY ts DESC, id DESC LIMIT 1),
  ack_reason = (SELECT comment FROM finding_events e WHERE e.finding_id = findings.id AND e.status = 'acknowledged' ORDER BY ts DESC, id DESC LIMIT 1),
  ack_at = (SELECT ts FROM finding_events e WHERE e.finding_id = findings.id AND e.status = 'acknowledged' ORDER BY ts DESC, id DESC LIMIT 1)
WHERE status = 'acknowledged';
`,
  },
  // The assessment report (zoning/report/): what each archived report said, so that the next one lists
  // what changed since. One row per distinct state (hash), newest last.
  {
    version: 4,
    name: 'report: summaries of archived assessment reports',
    sql: `
CREATE TABLE report_summaries (id INTEGER PRIMARY KEY, created_at REAL NOT NULL, hash TEXT NOT NULL, summary TEXT NOT NULL);
CREATE INDEX report_summaries_hash ON report_summaries (hash);
`,
  },
  // Remote sites (issue 17, src/store/outbox-repository.ts): a sensor's outbox, one row per changed entity
  // (newest sequence only), filled by triggers in the writing transaction once sync_state names a site.
  {
    version: 5,
    name: 'sync: outbox of changed assets, paths, findings and identities, per-site sequence',
    sql: `
CREATE TABLE sync_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  site TEXT,                          -- NULL: not publishing, the triggers record nothing
  seq INTEGER NOT NULL DEFAULT 0,     -- last sequence given to a change
  last_acked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE sync_outbox (
  kind TEXT NOT NULL,                 -- 'asset' | 'path' | 'finding' | 'identity'
  entity_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (kind, entity_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX sync_outbox_seq ON sync_outbox (seq);
${OUTBOX_TRIGGERS}`,
  },
  // Known vulnerabilities (issue 16, src/store/vulnerability-repository.ts): imported CSAF advisories (newest
  // revision per tracking id), their products and CVEs, the KEV catalogue, and each asset's matches.
  {
    version: 6,
    name: 'vulns: advisories, their products and CVEs, known exploited CVEs, vulnerability matches',
    sql: `
CREATE TABLE advisories (
  tracking_id TEXT PRIMARY KEY, version TEXT NOT NULL, title TEXT NOT NULL, publisher TEXT NOT NULL,
  initial_release TEXT, current_release TEXT, source_file TEXT NOT NULL, imported_at REAL NOT NULL,
  data TEXT NOT NULL -- the advisory's vulnerabilities (src/vulns/types.ts) as JSON
);
CREATE TABLE advisory_products (
  tracking_id TEXT NOT NULL, product_id TEXT NOT NULL, vendor TEXT NOT NULL, name TEXT NOT NULL,
  version TEXT, version_kind TEXT, model_numbers TEXT NOT NULL, -- JSON array, normalised
  PRIMARY KEY (tracking_id, product_id)
) WITHOUT ROWID;
CREATE TABLE advisory_cves (
  tracking_id TEXT NOT NULL, cve TEXT NOT NULL, title TEXT, cvss_score REAL, cvss_vector TEXT, cvss_severity TEXT,
  PRIMARY KEY (tracking_id, cve)
) WITHOUT ROWID;
CREATE INDEX advisory_cves_cve ON advisory_cves (cve);
CREATE TABLE known_exploited (
  cve TEXT PRIMARY KEY, vendor_project TEXT, product TEXT, name TEXT, date_added TEXT, due_date TEXT, ransomware TEXT
) WITHOUT ROWID;
CREATE TABLE vulnerability_matches (
  id TEXT PRIMARY KEY, -- asset|advisory|cve
  asset_id TEXT NOT NULL, tracking_id TEXT NOT NULL, cve TEXT NOT NULL, product_id TEXT NOT NULL,
  status TEXT NOT NULL, confidence TEXT NOT NULL, basis TEXT NOT NULL, why TEXT NOT NULL, identity TEXT NOT NULL,
  cvss_score REAL, cvss_vector TEXT, cvss_severity TEXT, fixed_version TEXT, remediation TEXT,
  known_exploited INTEGER NOT NULL, exposed INTEGER NOT NULL, exposure TEXT,
  priority INTEGER NOT NULL -- src/vulns/priority.ts: smaller first
) WITHOUT ROWID;
CREATE INDEX vulnerability_matches_priority ON vulnerability_matches (priority, id);
CREATE INDEX vulnerability_matches_asset ON vulnerability_matches (asset_id, priority);
CREATE INDEX vulnerability_matches_cve ON vulnerability_matches (cve, priority);
CREATE INDEX vulnerability_matches_advisory ON vulnerability_matches (tracking_id, priority);
CREATE INDEX vulnerability_matches_status ON vulnerability_matches (status, priority);
`,
  },
  {
    // paths_last_seen_id (last_seen, id) serves every query paths_last_seen (last_seen) did: one index less to
    // maintain per path written (20,000 paths of a large plant per analysis)
    version: 7,
    name: 'drop the redundant paths_last_seen index',
    sql: `DROP INDEX IF EXISTS paths_last_seen;`,
  },
  // Remote sites (issue 17): the hub draws each site's plant map, so an asset's zone and a path's zones and
  // conduits travel with them (src/store/outbox-repository.ts reads them); these triggers record an asset or
  // a path whose placement changed (PLACEMENT_TRIGGERS above).
  {
    version: 8,
    name: 'sync: record assets and paths whose zone placement changed',
    sql: `
CREATE TABLE sync_placement (
  kind TEXT NOT NULL,                 -- 'asset' | 'path' | 'conduit' (a path's conduit: entity_id [path, conduit])
  entity_id TEXT NOT NULL,
  placement TEXT NOT NULL,            -- as last recorded into the outbox
  PRIMARY KEY (kind, entity_id)
) WITHOUT ROWID;
${PLACEMENT_TRIGGERS}`,
  },
  // a database that publishes gets its triggers back as it opens (src/store/database.ts), before any write
  {
    version: 9,
    name: 'sync: the outbox triggers only while publishing',
    sql: SYNC_TRIGGER_NAMES.map((t) => `DROP TRIGGER IF EXISTS ${t};`).join('\n'),
  },
  {
    // Two b-trees less per asset written. assets_last_seen_id (last_seen, id) serves every query assets_last_seen
    // (last_seen) did (the newest asset, the silent ones, the list sorted by last seen); no query filters or sorts
    // by mac_vendor (the vendor filter reads `vendor`, which holds the MAC vendor when no identity names one).
    version: 10,
    name: 'drop the redundant assets_last_seen and the unused assets_mac_vendor indexes',
    sql: `DROP INDEX IF EXISTS assets_last_seen;
DROP INDEX IF EXISTS assets_mac_vendor;`,
  },
];

export const LATEST_SCHEMA_VERSION = migrations[migrations.length - 1].version;
