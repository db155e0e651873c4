/**
 * The hub's PostgreSQL schema (issue 17), as ordered migrations like the sensor's (src/store/migrations.ts):
 * append only, applied under an advisory lock so that two hubs starting together migrate once.
 *
 * Every table is keyed by site first: a site's rows sit together in each index, and every list the API
 * serves with a site filter is one index range. Partitioning by site would pay only for dropping a
 * whole site at once; at tens of sites and thousands of assets each, the composite keys serve as well.
 * A row's `version` is the sensor's sequence of the change it holds: an upsert never replaces a newer
 * version, so a replay, a redelivery or a snapshot applies in any order. `data` NULL marks a deleted
 * entity (kept, with its version, so that an older replay does not bring it back).
 */
import type pg from 'pg';

export interface PgMigration {
  version: number;
  name: string;
  sql: string;
}

export const pgMigrations: readonly PgMigration[] = [
  {
    version: 1,
    name: 'hub: sites with their cursor, assets, paths, findings, identities by site; API tokens',
    sql: `
CREATE TABLE sites (
  id text PRIMARY KEY,
  name text,
  cursor bigint NOT NULL DEFAULT 0,      -- the last sequence applied (the chain the batches' prev follows)
  last_heard timestamptz,
  heartbeat jsonb,                       -- the sensor's last heartbeat: its counters
  gaps integer NOT NULL DEFAULT 0,       -- gaps detected so far
  gap_at timestamptz,                    -- a gap not yet repaired
  snapshot_requested_at timestamptz,
  repair_until bigint,                   -- the snapshot's last sequence: whole again once cursor reaches it
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE assets (
  site text NOT NULL, id text NOT NULL, version bigint NOT NULL,
  role text, vendor text, first_seen double precision, last_seen double precision,
  protocols text[] NOT NULL DEFAULT '{}',  -- filtered within a site's rows (no GIN: it halves ingest)
  data json,
  PRIMARY KEY (site, id)
);
CREATE INDEX assets_site_last_seen ON assets (site, last_seen, id);
CREATE INDEX assets_site_role ON assets (site, role, id);
CREATE TABLE paths (
  site text NOT NULL, id text NOT NULL, version bigint NOT NULL,
  initiator text, responder text, protocol text, transport text, responder_port integer,
  first_seen double precision, last_seen double precision,
  operations text[] NOT NULL DEFAULT '{}',
  data json,
  PRIMARY KEY (site, id)
);
CREATE INDEX paths_site_protocol ON paths (site, protocol, id);
CREATE INDEX paths_site_last_seen ON paths (site, last_seen, id);
CREATE INDEX paths_site_initiator ON paths (site, initiator);
CREATE INDEX paths_site_responder ON paths (site, responder);
CREATE TABLE findings (
  site text NOT NULL, id text NOT NULL, version bigint NOT NULL,
  rule text, severity text, severity_rank integer, status text, last_seen double precision,
  data json,
  PRIMARY KEY (site, id)
);
CREATE INDEX findings_site_rank ON findings (site, severity_rank, id);
CREATE INDEX findings_site_status ON findings (site, status, severity_rank, id);
CREATE INDEX findings_open_rank ON findings (severity_rank, site) WHERE status IN ('open', 'reopened') AND data IS NOT NULL;
CREATE TABLE identities (
  site text NOT NULL, id text NOT NULL, version bigint NOT NULL,
  asset_id text, data json,
  PRIMARY KEY (site, id)
);
CREATE INDEX identities_site_asset ON identities (site, asset_id);
CREATE TABLE api_tokens (
  id text PRIMARY KEY, hash text NOT NULL UNIQUE, role text NOT NULL CHECK (role IN ('viewer', 'admin')),
  label text, created_at timestamptz NOT NULL DEFAULT now(), last_used_at timestamptz, revoked_at timestamptz
);
`,
  },
  {
    version: 2,
    name: 'hub: the enterprise policy (traffic between sites) and its findings with their lifecycle',
    sql: `
CREATE TABLE enterprise_policy (
  id integer PRIMARY KEY CHECK (id = 1),  -- one enterprise policy per hub database
  hash text NOT NULL,                     -- of the policy text: a finding remembers the policy that judged it
  name text,
  summary jsonb NOT NULL,                 -- zones, ranges, conduits: what GET /api/v1/enterprise/policy shows
  loaded_at timestamptz NOT NULL DEFAULT now(),
  evaluated_at timestamptz,
  evaluation jsonb                        -- the last evaluation: paths judged, inter-site paths, findings, ms
);
CREATE TABLE enterprise_findings (
  id text PRIMARY KEY,
  rule text NOT NULL, severity text NOT NULL, severity_rank integer NOT NULL,
  status text NOT NULL CHECK (status IN ('open', 'resolved')),
  sites text[] NOT NULL,                  -- the two zones the traffic crosses
  observed_at text[] NOT NULL,            -- the sites whose sensors saw it
  policy_hash text NOT NULL,
  first_seen timestamptz NOT NULL, last_seen timestamptz NOT NULL,
  resolved_at timestamptz, resolution text,   -- 'traffic' (no longer seen) or 'policy' (a new policy allows it)
  reopened integer NOT NULL DEFAULT 0,
  data jsonb NOT NULL
);
CREATE INDEX enterprise_findings_rank ON enterprise_findings (severity_rank, id);
CREATE INDEX enterprise_findings_status ON enterprise_findings (status, severity_rank, id);
`,
  },
  {
    version: 3,
    name: "hub: each site's policy zones and conduits, as its sensor's heartbeat carries them (the site's map)",
    sql: `
ALTER TABLE sites
  ADD COLUMN policy jsonb,               -- zones (id, name, level, SL-T) and conduits (id, ends, name); NULL: none sent
  ADD COLUMN policy_hash text;           -- of the sensor's policy text: rewritten only when it changes
`,
  },
];

/** Applies the pending migrations in one transaction, under an advisory lock. Refuses a newer schema. */
export async function migratePg(pool: pg.Pool, migrations: readonly PgMigration[] = pgMigrations): Promise<number> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    // one key for otwatch's hub schema: a second hub waits here, then finds nothing to do
    await c.query('SELECT pg_advisory_xact_lock(hashtext(current_schema()), 17)');
    await c.query(
      'CREATE TABLE IF NOT EXISTS hub_schema_version (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const current = Number((await c.query('SELECT COALESCE(MAX(version), 0) AS v FROM hub_schema_version')).rows[0].v);
    const latest = migrations[migrations.length - 1]?.version ?? 0;
    if (current > latest) throw new Error(`the hub database has schema version ${current}, newer than this otwatch supports (${latest})`);
    for (const m of migrations) {
      if (m.version <= current) continue;
      await c.query(m.sql);
      await c.query('INSERT INTO hub_schema_version (version, name) VALUES ($1, $2)', [m.version, m.name]);
    }
    await c.query('COMMIT');
    return latest;
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    c.release();
  }
}
