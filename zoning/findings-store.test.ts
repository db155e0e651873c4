import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { Store } from '../agent/store/store.js';
import { audit } from './audit.js';
import { zoningAuditStep, PolicyLoadError } from './audit-step.js';
import { RULES } from './constants.js';
import { ZoningFindingsStore } from './findings-store.js';
import { loadPolicyFile } from './policy-load.js';
import { asset, path, T0 } from './test-helpers.js';

const policyFile = fileURLToPath(new URL('../fixtures/policies/audit-test.yaml', import.meta.url));

describe('stored findings across three analyses (SQLite)', async () => {
  const r = await loadPolicyFile(policyFile);
  if (!r.ok) throw new Error('policy');
  const assets = [asset('10.20.1.11', 'hmi'), asset('10.30.1.5', 'plc')];
  const writes = path({ from: '10.20.1.11', to: '10.30.1.5', protocol: 'modbus', port: 502, ops: { read: 5, write: 2 } });
  const reads = path({ from: '10.20.1.11', to: '10.30.1.5', protocol: 'modbus', port: 502, ops: { read: 5 } });

  it('opens, acknowledges, resolves and reopens, with events', () => {
    const store = new Store(':memory:');
    try {
      const fs = new ZoningFindingsStore(store.db);
      const run = (ps: typeof reads[], t: number) => fs.saveAnalysis(audit(assets, ps, r.policy, { now: t }).findings, t);
      const a1 = run([writes], T0 + 1);
      const id = fs.all().find((f) => f.rule === RULES.operationNotAllowed)!.id;
      expect(a1.opened).toContain(id);
      const ack = fs.acknowledge(id, 'j.doe', 'commissioning until Friday', T0 + 2);
      expect(ack.ok).toBe(true);
      expect(fs.get(id)).toMatchObject({ status: 'acknowledged', ack: { by: 'j.doe', reason: 'commissioning until Friday' } });
      const a2 = run([reads], T0 + 3);
      expect(a2.resolved).toEqual([id]);
      expect(fs.get(id)!.status).toBe('resolved');
      const a3 = run([writes], T0 + 4);
      expect(a3.reopened).toEqual([id]);
      expect(fs.get(id)).toMatchObject({ status: 'reopened', reopenCount: 1, ack: null, firstDetected: T0 + 1 });
      const events = store.db.prepare('SELECT status, actor FROM finding_events WHERE finding_id = ? ORDER BY ts, id').all(id);
      expect(events).toEqual([
        { status: 'open', actor: 'audit' },
        { status: 'acknowledged', actor: 'j.doe' },
        { status: 'resolved', actor: 'audit' },
        { status: 'reopened', actor: 'audit' },
      ]);
      // The API filters by zone and asset through these tables.
      expect(store.db.prepare('SELECT zone FROM finding_zones WHERE finding_id = ? ORDER BY zone').pluck().all(id)).toEqual(['control', 'scada']);
      expect(fs.acknowledge('nope', 'a', 'b', T0).ok).toBe(false);
    } finally {
      store.close();
    }
  });

  it('the analyze hook audits, stores, and refuses a broken policy with every error', async () => {
    const store = new Store(':memory:');
    try {
      const step = zoningAuditStep(() => T0 + 10);
      const out = (await step({ assets, paths: [writes], policy: policyFile, store })) as { rule: string; status: string }[];
      expect(out.map((f) => f.rule)).toContain(RULES.operationNotAllowed);
      expect(out.every((f) => f.status === 'open')).toBe(true);
      expect(await step({ assets, paths: [writes], store })).toEqual([]);
      const broken = fileURLToPath(new URL('../fixtures/policies/invalid/overlap.yaml', import.meta.url));
      await expect(step({ assets, paths: [writes], policy: broken, store })).rejects.toBeInstanceOf(PolicyLoadError);
      // The broken policy changed nothing that was stored.
      expect(new ZoningFindingsStore(store.db).all().every((f) => f.status === 'open')).toBe(true);
    } finally {
      store.close();
    }
  });
});
