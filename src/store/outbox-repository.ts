/**
 * A sensor's outbox (issue 17): what changed in this database since JetStream last acknowledged it,
 * for src/sync/publisher.ts.
 *
 * SQLite triggers (migration 5) record every insert, update or delete of an asset, a path, a finding or
 * an identity-history row into `sync_outbox`, in the transaction that made the change, once a site is
 * enabled (`sync_state.site`). The outbox keys rows by (kind, entity id) and keeps only the newest
 * sequence number: a site offline for a week holds at most one row per entity, never a log. The entity's
 * data is read when the row is published, so a message always carries the newest version, and the
 * sequence read with it (in one read transaction) is that version's.
 *
 * Triggers rather than calls in each writer: every write path (analyze, the live agent, the audit, the
 * API's acknowledgements) is covered with no edit to them, and a database with no site pays nothing but
 * the trigger's WHEN test.
 *
 * An asset travels with the zone the audit placed it in (`zone`), a path with its zones, verdict and
 * conduits (`fromZone`, `toZone`, `zoneStatus`, `conduits`), as the sensor's own API shows them: the hub
 * draws each site's plant map from them. Migration 8's triggers record an asset or path whose placement
 * changed.
 */
import { SYNC_TRIGGERS_SQL } from './migrations.js';
import type { Asset, Path } from '../core/model.js';
import type { Statement } from 'better-sqlite3';
import type { DB } from './database.js';
import { STORED_COLUMNS, storedFinding, type StoredFinding, type StoredRow } from './findings-repository.js';
import { pathFromRow, type OperationRow, type PathRow } from './rows.js';

export const OUTBOX_KINDS = ['asset', 'path', 'finding', 'identity'] as const;
export type OutboxKind = (typeof OUTBOX_KINDS)[number];

/** One identity-history row (the entity id is the JSON array [assetId, attribute, value, protocol]). */
export interface IdentityRow {
  assetId: string;
  attribute: string;
  value: string;
  protocol: string;
  firstTs: number;
  lastTs: number;
}

/** An asset as published: with the zone the audit placed it in (null: no audit yet). */
export type PlacedAsset = Asset & { zone: string | null };
/** A path as published: with its zones, the audit's verdict and the conduits it was placed on. */
export type PlacedPath = Path & { fromZone: string | null; toZone: string | null; zoneStatus: string | null; conduits: string[] };

export type OutboxData = PlacedAsset | PlacedPath | StoredFinding | IdentityRow;

/** A change to publish: the entity's newest version, or null when it was deleted. */
export interface OutboxChange {
  kind: OutboxKind;
  id: string;
  seq: number;
  data: OutboxData | null;
}

export interface OutboxState {
  site: string | null;
  /** The last sequence number given to a change. */
  seq: number;
  /** The last sequence JetStream acknowledged (the chain the hub follows: each batch names the one before). */
  lastAcked: number;
  /** Rows waiting. */
  pending: number;
}

export class SiteMismatch extends Error {}

export class Outbox {
  private readonly stmts = new Map<string, Statement>();

  constructor(private readonly db: DB) {}

  /** A prepared statement, prepared once: a batch reads hundreds of rows. */
  private stmt(sql: string): Statement {
    let s = this.stmts.get(sql);
    if (!s) this.stmts.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  state(): OutboxState {
    const s = this.db.prepare('SELECT site, seq, last_acked FROM sync_state WHERE id = 1').get() as
      { site: string | null; seq: number; last_acked: number } | undefined;
    const pending = this.db.prepare('SELECT COUNT(*) FROM sync_outbox').pluck().get() as number;
    return { site: s?.site ?? null, seq: s?.seq ?? 0, lastAcked: s?.last_acked ?? 0, pending };
  }

  /**
   * Starts recording for `site`. The first time, sequences start at the current time in microseconds (a
   * sensor whose database was recreated still publishes versions newer than those the hub holds from the
   * old one) and everything already stored is recorded, so the hub gets the whole state. A database
   * recording for another site is refused: its sequence and the hub's cursor belong to that site.
   */
  enable(site: string, nowMs = Date.now()): { snapshot: number } {
    return this.db
      .transaction(() => {
        const s = this.state();
        if (s.site === site) return { snapshot: 0 };
        if (s.site !== null) throw new SiteMismatch(`this database publishes as site '${s.site}', not '${site}'`);
        this.db
          .prepare(
            'INSERT INTO sync_state (id, site, seq, last_acked) VALUES (1, ?, ?, 0) ON CONFLICT (id) DO UPDATE SET site = excluded.site',
          )
          .run(site, Math.max(s.seq, Math.floor(nowMs) * 1000));
        // from now on every write records its change (the triggers exist only while publishing: migration 9)
        this.db.exec(SYNC_TRIGGERS_SQL);
        return { snapshot: this.snapshot() };
      })
      .immediate();
  }

  /**
   * Records every stored entity again with new sequence numbers (the hub asked for it after a gap).
   * Returns the last sequence of the snapshot: the hub is whole again once it has applied that far.
   */
  snapshot(): number {
    return this.db
      .transaction(() => {
        const ids: Record<OutboxKind, string> = {
          asset: 'SELECT id FROM assets',
          path: 'SELECT id FROM paths',
          finding: 'SELECT id FROM findings',
          identity: 'SELECT json_array(asset_id, attribute, value, protocol) AS id FROM identity_history',
        };
        for (const kind of OUTBOX_KINDS) {
          // row_number() over the base: one statement per kind, sequences consecutive and above every earlier one
          this.db
            .prepare(
              `INSERT OR REPLACE INTO sync_outbox (kind, entity_id, seq)
               SELECT ?, e.id, (SELECT seq FROM sync_state WHERE id = 1) + row_number() OVER () FROM (${ids[kind]}) e`,
            )
            .run(kind);
          this.db.prepare('UPDATE sync_state SET seq = MAX(seq, COALESCE((SELECT MAX(seq) FROM sync_outbox), 0)) WHERE id = 1').run();
        }
        // the snapshot carries every placement: the next audit records only what it changes (migration 8)
        this.db.exec(`DELETE FROM sync_placement;
          INSERT INTO sync_placement (kind, entity_id, placement) SELECT 'asset', asset_id, zone FROM asset_zones;
          INSERT INTO sync_placement (kind, entity_id, placement) SELECT 'path', path_id, json_array(from_zone, to_zone, status) FROM path_zones;
          INSERT INTO sync_placement (kind, entity_id, placement) SELECT 'conduit', json_array(path_id, conduit), '' FROM path_conduits;`);
        return this.state().seq;
      })
      .immediate();
  }

  /**
   * The oldest waiting changes, in sequence order, at most `max`, read in one transaction so that each
   * entity's data is the version its sequence names. The publisher sends them as one message per kind
   * (a subject per kind); any such message is the rows of its kind among the oldest rows, so a resend
   * under the same last sequence holds the same rows or fewer, never others.
   */
  batch(max: number): OutboxChange[] {
    return this.db
      .transaction(() => {
        const rows = this.db.prepare('SELECT kind, entity_id, seq FROM sync_outbox ORDER BY seq LIMIT ?').all(max) as {
          kind: OutboxKind;
          entity_id: string;
          seq: number;
        }[];
        const conduits = this.conduitsOf(rows.filter((r) => r.kind === 'path').map((r) => r.entity_id));
        return rows.map((r) => ({ kind: r.kind, id: r.entity_id, seq: r.seq, data: this.read(r.kind, r.entity_id, conduits) }));
      })
      .deferred();
  }

  /**
   * JetStream acknowledged these changes: their rows go, unless a newer version replaced them meanwhile
   * (the row's sequence then differs), and `lastSeq` becomes the chain's last acknowledged sequence.
   */
  acknowledge(changes: readonly { kind: OutboxKind; id: string; seq: number }[], lastSeq: number): void {
    const del = this.db.prepare('DELETE FROM sync_outbox WHERE kind = ? AND entity_id = ? AND seq = ?');
    this.db
      .transaction(() => {
        for (const c of changes) del.run(c.kind, c.id, c.seq);
        this.db.prepare('UPDATE sync_state SET last_acked = MAX(last_acked, ?) WHERE id = 1').run(lastSeq);
      })
      .immediate();
  }

  /**
   * The conduits of these paths, in one statement: path_conduits is keyed by conduit first, so a lookup per
   * path would read the whole table each time (an index by path would cost every audit, site or not).
   */
  private conduitsOf(pathIds: readonly string[]): Map<string, string[]> {
    const out = new Map<string, string[]>();
    if (!pathIds.length) return out;
    const rows = this.stmt('SELECT path_id, conduit FROM path_conduits WHERE path_id IN (SELECT value FROM json_each(?)) ORDER BY conduit')
      .raw()
      .all(JSON.stringify(pathIds)) as [string, string][];
    for (const [p, c] of rows) (out.get(p) ?? out.set(p, []).get(p)!).push(c);
    return out;
  }

  private read(kind: OutboxKind, id: string, conduits: Map<string, string[]>): OutboxData | null {
    if (kind === 'asset') {
      const r = this.stmt('SELECT a.data, z.zone FROM assets a LEFT JOIN asset_zones z ON z.asset_id = a.id WHERE a.id = ?')
        .raw()
        .get(id) as [string, string | null] | undefined;
      return r === undefined ? null : { ...(JSON.parse(r[0]) as Asset), zone: r[1] };
    }
    if (kind === 'path') {
      const r = this.stmt(
        'SELECT p.*, z.from_zone, z.to_zone, z.status AS zone_status FROM paths p LEFT JOIN path_zones z ON z.path_id = p.id WHERE p.id = ?',
      ).get(id) as (PathRow & { from_zone: string | null; to_zone: string | null; zone_status: string | null }) | undefined;
      if (!r) return null;
      return {
        ...pathFromRow(r, this.stmt('SELECT * FROM path_operations WHERE path_id = ?').all(id) as OperationRow[]),
        fromZone: r.from_zone,
        toZone: r.to_zone,
        zoneStatus: r.zone_status,
        conduits: conduits.get(id) ?? [],
      };
    }
    if (kind === 'finding') {
      const r = this.stmt(`SELECT ${STORED_COLUMNS}, d.data FROM findings f JOIN finding_data d ON d.id = f.id WHERE f.id = ?`).get(id) as
        (StoredRow & { data: string }) | undefined;
      return r ? storedFinding(r, r.data) : null;
    }
    let key: unknown;
    try {
      key = JSON.parse(id);
    } catch {
      return null;
    }
    if (!Array.isArray(key) || key.length !== 4) return null;
    const r = this.stmt('SELECT * FROM identity_history WHERE asset_id = ? AND attribute = ? AND value = ? AND protocol = ?').get(
      ...(key as string[]),
    ) as { asset_id: string; attribute: string; value: string; protocol: string; first_ts: number; last_ts: number } | undefined;
    return r
      ? { assetId: r.asset_id, attribute: r.attribute, value: r.value, protocol: r.protocol, firstTs: r.first_ts, lastTs: r.last_ts }
      : null;
  }
}
