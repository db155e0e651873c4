import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from './database.js';
import { migrations } from './migrations.js';
import { Store } from './store.js';
import { audit } from '../audit/audit.js';
import { auditStep, PolicyLoadError } from '../analysis/run-audit.js';
import { RULES } from '../audit/constants.js';
import { FindingsStore } from './findings-repository.js';
import { loadPolicyFile } from '../audit/policy-load.js';
import { asset, path, T0 } from '../../test/helpers/audit.js';

const policyFile = fileURLToPath(new URL('../../fixtures/policies/audit-test.yaml', import.meta.url));

describe('stored findings across three analyses (SQLite)', async () => {
  const r = await loadPolicyFile(policyFile);
  if (!r.ok) throw new Error('policy');
  const assets = [asset('10.20.1.11', 'hmi'), asset('10.30.1.5', 'plc')];
  const writes = path({ from: '10.20.1.11', to: '10.30.1.5', protocol: 'modbus', port: 502, ops: { read: 5, write: 2 } });
  const reads = path({ from: '10.20.1.11', to: '10.30.1.5', protocol: 'modbus', port: 502, ops: { read: 5 } });

  it('opens, acknowledges, resolves and reopens, with events, and keeps the state in columns', () => {
    const store = new Store(':memory:');
    try {
      const fs = new FindingsStore(store.db);
      const run = (ps: (typeof reads)[], t: number) => fs.saveAnalysis(audit(assets, ps, r.policy, { now: t }).findings, t);
      const a1 = run([writes], T0 + 1);
      const id = fs.all().find((f) => f.rule === RULES.operationNotAllowed)!.id;
      expect(a1.opened).toContain(id);
      expect(a1.findings.find((f) => f.id === id)).toMatchObject({ status: 'open', firstDetected: T0 + 1, reopenCount: 0 });
      const ack = fs.acknowledge(id, 'j.doe', 'commissioning until Friday', T0 + 2);
      expect(ack?.ok).toBe(true);
      expect(fs.get(id)).toMatchObject({ status: 'acknowledged', ack: { by: 'j.doe', reason: 'commissioning until Friday', at: T0 + 2 } });
      // The acknowledgement survives an analysis that still reports the finding.
      expect(run([writes], T0 + 2.5).opened).toEqual([]);
      expect(fs.get(id)).toMatchObject({ status: 'acknowledged', lastDetected: T0 + 2.5, ack: { by: 'j.doe' } });
      const a2 = run([reads], T0 + 3);
      expect(a2.resolved).toEqual([id]);
      expect(fs.get(id)).toMatchObject({ status: 'resolved', resolvedAt: T0 + 3 });
      expect(fs.acknowledge(id, 'j.doe', 'again', T0 + 3.5)).toEqual({
        ok: false,
        error: `finding ${id} is resolved: nothing to acknowledge`,
      });
      const a3 = run([writes], T0 + 4);
      expect(a3.reopened).toEqual([id]);
      expect(fs.get(id)).toMatchObject({
        status: 'reopened',
        reopenCount: 1,
        ack: null,
        resolvedAt: null,
        firstDetected: T0 + 1,
        lastDetected: T0 + 4,
      });
      expect(fs.get(id)!.history).toEqual([
        { ts: T0 + 1, status: 'open', actor: 'audit', comment: 'first reported' },
        { ts: T0 + 2, status: 'acknowledged', actor: 'j.doe', comment: 'commissioning until Friday' },
        { ts: T0 + 3, status: 'resolved', actor: 'audit', comment: 'no longer reported' },
        { ts: T0 + 4, status: 'reopened', actor: 'audit', comment: 'reported again' },
      ]);
      // The API filters and sorts by these columns and tables.
      const row = store.db.prepare('SELECT status, detected_at, last_detected, reopen_count, ack_by FROM findings WHERE id = ?').get(id);
      expect(row).toEqual({ status: 'reopened', detected_at: T0 + 1, last_detected: T0 + 4, reopen_count: 1, ack_by: null });
      expect(store.db.prepare('SELECT zone FROM finding_zones WHERE finding_id = ? ORDER BY zone').pluck().all(id)).toEqual([
        'control',
        'scada',
      ]);
      expect(store.db.prepare('SELECT asset_id FROM finding_assets WHERE finding_id = ? ORDER BY asset_id').pluck().all(id)).toEqual([
        'ip:10.20.1.11',
        'ip:10.30.1.5',
      ]);
      // The JSON keeps what the finding says, not its lifecycle (that is in the columns).
      expect(
        Object.keys(JSON.parse(store.db.prepare('SELECT data FROM finding_data WHERE id = ?').pluck().get(id) as string)),
      ).not.toContain('status');
      expect(fs.acknowledge('nope', 'a', 'b', T0)).toBeUndefined();
    } finally {
      store.close();
    }
  });

  it('a person reopens an acknowledged finding (who, why); an open one has nothing to reopen', () => {
    const store = new Store(':memory:');
    try {
      const fs = new FindingsStore(store.db);
      fs.saveAnalysis(audit(assets, [writes], r.policy, { now: T0 }).findings, T0);
      const id = fs.all().find((f) => f.rule === RULES.operationNotAllowed)!.id;
      expect(fs.reopen(id, 'j.doe', 'x', T0 + 1)).toEqual({ ok: false, error: `finding ${id} is already open` });
      fs.acknowledge(id, 'j.doe', 'vendor visit', T0 + 1);
      const back = fs.reopen(id, 'a.smith', 'vendor left', T0 + 2);
      expect(back).toMatchObject({ ok: true, finding: { status: 'reopened', ack: null, reopenCount: 1 } });
      expect(fs.get(id)?.history?.at(-1)).toEqual({ ts: T0 + 2, status: 'reopened', actor: 'a.smith', comment: 'vendor left' });
      expect(fs.reopen(id, ' ', 'why', T0 + 3)).toEqual({ ok: false, error: 'reopening needs the name of who makes it' });
      // A reopened finding the next audit still reports stays reopened.
      fs.saveAnalysis(audit(assets, [writes], r.policy, { now: T0 + 4 }).findings, T0 + 4);
      expect(fs.get(id)!.status).toBe('reopened');
    } finally {
      store.close();
    }
  });

  it('the analyze hook audits, stores, and refuses a broken policy with every error', async () => {
    const store = new Store(':memory:');
    try {
      const step = auditStep(() => T0 + 10);
      const out = (await step({ assets, paths: [writes], policy: policyFile, store })) as { rule: string; status: string }[];
      expect(out.map((f) => f.rule)).toContain(RULES.operationNotAllowed);
      expect(out.every((f) => f.status === 'open')).toBe(true);
      expect(await step({ assets, paths: [writes], store })).toEqual([]);
      const broken = fileURLToPath(new URL('../../fixtures/policies/invalid/overlap.yaml', import.meta.url));
      await expect(step({ assets, paths: [writes], policy: broken, store })).rejects.toBeInstanceOf(PolicyLoadError);
      // The broken policy changed nothing that was stored.
      expect(new FindingsStore(store.db).all().every((f) => f.status === 'open')).toBe(true);
      // The next analysis without the writes reports the finding it resolved, whole.
      const later = (await auditStep(() => T0 + 20)({ assets, paths: [reads], policy: policyFile, store })) as {
        rule: string;
        status: string;
        explanation: string;
      }[];
      const op = later.find((f) => f.rule === RULES.operationNotAllowed)!;
      expect(op.status).toBe('resolved');
      expect(op.explanation.length).toBeGreaterThan(0);
    } finally {
      store.close();
    }
  });

  it('migration 3 fills the lifecycle columns of findings stored before it, acknowledgements from their events', () => {
    const dir = mkdtempSync(join(tmpdir(), 'otwatch-findings-'));
    const file = join(dir, 'v2.db');
    try {
      const v2 = openDatabase(file, { migrations: migrations.filter((m) => m.version <= 2) });
      const row =
        v2.prepare(`INSERT INTO findings (id, rule, severity, severity_rank, status, conduit, first_seen, last_seen, detected_at, updated_at)
        VALUES (?, 'ZC-FLOW-NO-CONDUIT', 'high', 1, ?, NULL, 10, 20, 100, ?)`);
      row.run('acked', 'acknowledged', 300);
      row.run('gone', 'resolved', 400);
      const f = audit(assets, [writes], r.policy, { now: T0 }).findings[0]!;
      for (const id of ['acked', 'gone'])
        v2.prepare('INSERT INTO finding_data (id, data) VALUES (?, ?)').run(id, JSON.stringify({ ...f, id }));
      const ev = v2.prepare('INSERT INTO finding_events (finding_id, ts, status, actor, comment) VALUES (?, ?, ?, ?, ?)');
      ev.run('acked', 100, 'open', 'audit', 'first reported');
      ev.run('acked', 200, 'acknowledged', 'old (admin)', 'first reason');
      ev.run('acked', 300, 'acknowledged', 'j.doe (admin)', 'ticket 42');
      v2.close();
      const store = new Store(file);
      try {
        const fs = new FindingsStore(store.db);
        expect(fs.get('acked')).toMatchObject({
          status: 'acknowledged',
          firstDetected: 100,
          lastDetected: 300,
          ack: { by: 'j.doe (admin)', reason: 'ticket 42', at: 300 },
          reopenCount: 0,
        });
        expect(fs.get('gone')).toMatchObject({ status: 'resolved', resolvedAt: 400, ack: null });
        // and the lifecycle goes on from there: the resolved one comes back reopened
        const saved = fs.saveAnalysis(
          [
            { ...f, id: 'gone' },
            { ...f, id: 'acked' },
          ],
          500,
        );
        expect(saved.reopened).toEqual(['gone']);
        expect(fs.get('acked')!.status).toBe('acknowledged');
      } finally {
        store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
