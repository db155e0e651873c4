import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { analyzeCaptures } from '../analysis/analyze-captures.js';
import { FindingsStore } from './findings-repository.js';
import { Outbox, SiteMismatch } from './outbox-repository.js';
import { Store } from './store.js';
import { corpusAvailable, corpusPath } from '../../test/helpers/corpus.js';

const plant = fileURLToPath(new URL('../../fixtures/plant/plant.pcap', import.meta.url));

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
});
