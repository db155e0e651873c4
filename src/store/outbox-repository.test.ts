import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeCaptures } from '../analysis/analyze-captures.js';
import { auditStep, loadPolicyForAudit, runAudit } from '../analysis/run-audit.js';
import { loadPolicyText } from '../audit/policy-load.js';
import { FindingsStore } from './findings-repository.js';
import { Outbox, SiteMismatch, type OutboxChange, type PlacedAsset, type PlacedPath } from './outbox-repository.js';
import { Store } from './store.js';
import { corpusAvailable, corpusPath } from '../../test/helpers/corpus.js';

const plant = fileURLToPath(new URL('../../fixtures/plant/plant.pcap', import.meta.url));
const plantPolicy = fileURLToPath(new URL('../../fixtures/plant/policy.yaml', import.meta.url));

function count(store: Store, sql: string): number {
  return store.db.prepare(sql).pluck().get() as number;
}

describe('sensor outbox', () => {
  it('records nothing until a site is enabled, then the whole state once, newest version only', async () => {
    const store = new Store(':memory:');
    const outbox = new Outbox(store.db);
    await analyzeCaptures([plant], { store });
    expect(outbox.state().pending).toBe(0);

    const before = Date.now() * 1000;
    outbox.enable('plant-a');
    const entities =
      count(store, 'SELECT COUNT(*) FROM assets') +
      count(store, 'SELECT COUNT(*) FROM paths') +
      count(store, 'SELECT COUNT(*) FROM findings') +
      count(store, 'SELECT COUNT(*) FROM identity_history');
    const s = outbox.state();
    expect(s.site).toBe('plant-a');
    expect(s.pending).toBe(entities);
    // sequences start at the enabling time in microseconds, so a recreated database publishes newer versions
    expect(s.seq).toBeGreaterThanOrEqual(before);
    expect(() => outbox.enable('plant-b')).toThrow(SiteMismatch);
    expect(outbox.enable('plant-a').snapshot).toBe(0);

    // batches: the oldest rows first, the data read now
    const b = outbox.batch(10);
    expect(b.length).toBe(10);
    expect(b.map((c) => c.seq)).toEqual([...b.map((c) => c.seq)].sort((x, y) => x - y));
    expect(b.every((c) => c.data !== null)).toBe(true);

    // acknowledged rows go, unless a newer version replaced them meanwhile
    const asset = b.find((c) => c.kind === 'asset')!;
    store.db.prepare("UPDATE assets SET role = 'plc' WHERE id = ?").run(asset.id);
    outbox.acknowledge(b, b[b.length - 1]!.seq);
    expect(outbox.state().pending).toBe(entities - b.length + 1);
    expect(outbox.state().lastAcked).toBe(b[b.length - 1]!.seq);
    const again = store.db.prepare("SELECT seq FROM sync_outbox WHERE kind = 'asset' AND entity_id = ?").pluck().get(asset.id) as number;
    expect(again).toBeGreaterThan(asset.seq);
    store.close();
  });

  it.skipIf(!corpusAvailable)('a second analysis records what changed, in its transaction, and a finding change is recorded', async () => {
    const store = new Store(':memory:');
    const outbox = new Outbox(store.db);
    outbox.enable('plant-a');
    await analyzeCaptures([corpusPath('modbus/suricata-verify__modbus.pcap')], { store });
    const first = outbox.state();
    const entities = count(store, 'SELECT COUNT(*) FROM assets') + count(store, 'SELECT COUNT(*) FROM paths');
    expect(first.pending).toBeGreaterThanOrEqual(entities);
    // drain
    for (let b = outbox.batch(1000); b.length; b = outbox.batch(1000)) outbox.acknowledge(b, b[b.length - 1]!.seq);
    expect(outbox.state().pending).toBe(0);
    // a rolled-back write leaves no outbox row
    expect(() =>
      store.db.transaction(() => {
        store.db.prepare("UPDATE assets SET role = 'hmi'").run();
        throw new Error('abort');
      })(),
    ).toThrow('abort');
    expect(outbox.state().pending).toBe(0);
    // a finding acknowledged through the findings writer is recorded
    const findings = new FindingsStore(store.db);
    findings.saveAnalysis(
      [
        {
          id: 'f1',
          rule: 'r',
          severity: 'high',
          requirements: [],
          subject: { kind: 'asset', key: 'x', label: 'x' },
          explanation: '',
          remediation: '',
          zones: [],
          evidence: { pathCount: 0, packets: 0, paths: [], operations: [], facts: {}, details: [] },
        } as never,
      ],
      1000,
    );
    const b = outbox.batch(10);
    expect(b).toHaveLength(1);
    expect(b[0]).toMatchObject({ kind: 'finding', id: 'f1', data: { id: 'f1', status: 'open' } });
    store.close();
  });

  it('publishes a deleted entity as null', () => {
    const store = new Store(':memory:');
    const outbox = new Outbox(store.db);
    outbox.enable('s');
    store.db
      .prepare(
        "INSERT INTO identity_history (asset_id, attribute, value, protocol, first_ts, last_ts) VALUES ('a', 'vendor', 'ACME', 'modbus', 1, 2)",
      )
      .run();
    store.db.prepare('DELETE FROM identity_history').run();
    const b = outbox.batch(10);
    expect(b).toEqual([{ kind: 'identity', id: JSON.stringify(['a', 'vendor', 'ACME', 'modbus']), seq: expect.any(Number), data: null }]);
    store.close();
  });

  it('an asset travels with its zone, a path with its zones, verdict and conduits; an audit records only changed placements', async () => {
    const store = new Store(':memory:');
    const outbox = new Outbox(store.db);
    outbox.enable('plant-a');
    await analyzeCaptures([plant], { store, policy: plantPolicy, audit: auditStep() });
    const drain = () => {
      const all: OutboxChange[] = [];
      for (let b = outbox.batch(1000); b.length; b = outbox.batch(1000)) {
        all.push(...b);
        outbox.acknowledge(b, b[b.length - 1]!.seq);
      }
      return all;
    };
    const placement = () => ({
      assets: new Map(store.db.prepare('SELECT asset_id, zone FROM asset_zones').raw().all() as [string, string][]),
      paths: new Map(
        (store.db.prepare('SELECT path_id, from_zone, to_zone, status FROM path_zones').raw().all() as string[][]).map(
          ([id, ...rest]) => [id!, rest] as const,
        ),
      ),
      conduits: new Set(
        (store.db.prepare('SELECT path_id, conduit FROM path_conduits').raw().all() as string[][]).map((r) => JSON.stringify(r)),
      ),
    });
    const first = drain();
    const was = placement();
    const assets = first.filter((c) => c.kind === 'asset').map((c) => c.data as PlacedAsset);
    const paths = first.filter((c) => c.kind === 'path').map((c) => c.data as PlacedPath);
    expect(assets.length).toBe(count(store, 'SELECT COUNT(*) FROM assets'));
    expect(paths.length).toBe(count(store, 'SELECT COUNT(*) FROM paths'));
    for (const a of assets) expect(a.zone, a.id).toBe(was.assets.get(a.id) ?? null);
    expect(new Set(assets.map((a) => a.zone))).toEqual(new Set([...was.assets.values()]));
    expect(was.assets.size).toBeGreaterThan(10);
    for (const p of paths) {
      expect([p.fromZone, p.toZone, p.zoneStatus], p.id).toEqual(was.paths.get(p.id) ?? [null, null, null]);
      const conduits = [...was.conduits].map((x) => JSON.parse(x) as [string, string]).filter(([id]) => id === p.id);
      expect(p.conduits, p.id).toEqual(conduits.map(([, c]) => c).sort());
    }
    expect(paths.filter((p) => p.conduits.length).length).toBeGreaterThan(3);

    // the same audit again rewrites every placement row unchanged: no asset or path is recorded (its findings
    // are, with their new detection time)
    runAudit(store, await loadPolicyForAudit(plantPolicy));
    expect(drain().filter((c) => c.kind !== 'finding')).toEqual([]);

    // the building controllers' subnet shrunk to a /30: the assets leaving the zone, and the paths whose
    // zones, verdict or conduits change, are recorded; nothing else
    const text = readFileSync(plantPolicy, 'utf8').replace('cidr: 10.40.1.0/24', 'cidr: 10.40.1.0/30');
    const loaded = loadPolicyText(text, plantPolicy);
    if (!loaded.ok) throw new Error('the edited policy does not load');
    runAudit(store, { policy: loaded.policy, text });
    const now = placement();
    const moved = [...now.assets].filter(([id, z]) => was.assets.get(id) !== z).map(([id]) => id);
    const rezoned = [...now.paths]
      .filter(([id, z]) => JSON.stringify(was.paths.get(id)) !== JSON.stringify(z))
      .map(([id]) => id)
      .concat([...now.conduits].filter((c) => !was.conduits.has(c)).map((c) => (JSON.parse(c) as string[])[0]!));
    expect(moved.length).toBeGreaterThan(0);
    const second = drain().filter((c) => c.kind !== 'finding');
    expect(
      second
        .filter((c) => c.kind === 'asset')
        .map((c) => c.id)
        .sort(),
    ).toEqual(moved.sort());
    expect(
      second
        .filter((c) => c.kind === 'path')
        .map((c) => c.id)
        .sort(),
    ).toEqual([...new Set(rezoned)].sort());
    for (const c of second.filter((x) => x.kind === 'asset')) expect((c.data as PlacedAsset).zone).toBe(now.assets.get(c.id));
    store.close();
  });

  it('with no site, an audit leaves the outbox and the placement record empty', async () => {
    const store = new Store(':memory:');
    await analyzeCaptures([plant], { store, policy: plantPolicy, audit: auditStep() });
    expect(count(store, 'SELECT COUNT(*) FROM asset_zones')).toBeGreaterThan(10);
    expect(count(store, 'SELECT COUNT(*) FROM sync_outbox')).toBe(0);
    expect(count(store, 'SELECT COUNT(*) FROM sync_placement')).toBe(0);
    store.close();
  });

  it('has its triggers only while publishing: none without a site, all once enabled, and again when the database reopens', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otwatch-outbox-'));
    try {
      const file = join(dir, 'sensor.db');
      const triggers = (s: Store) => count(s, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'sync_%'");
      const quiet = new Store(file);
      expect(triggers(quiet)).toBe(0); // a sensor that publishes nothing writes without them
      new Outbox(quiet.db).enable('north');
      expect(triggers(quiet)).toBe(18); // 4 entities x insert/update/delete, 3 placement tables x insert/update
      quiet.close();
      // reopened, as a database that published before migration 9 is: the triggers come back before any write
      const again = new Store(file);
      expect(triggers(again)).toBe(18);
      const before = count(again, 'SELECT COUNT(*) FROM sync_outbox');
      await analyzeCaptures([plant], { store: again });
      expect(count(again, 'SELECT COUNT(*) FROM sync_outbox')).toBeGreaterThan(before + 10);
      again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
