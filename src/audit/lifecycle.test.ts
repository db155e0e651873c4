import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { audit } from './audit.js';
import { RULES } from './constants.js';
import { acknowledge, AUDIT_ACTOR, mergeFindings, reopen, type TrackedFinding } from './lifecycle.js';
import { loadPolicyFile } from './policy-load.js';
import { asset, path, T0 } from '../../test/helpers/audit.js';

const policyFile = fileURLToPath(new URL('../../fixtures/policies/audit-test.yaml', import.meta.url));

describe('findings lifecycle across three analyses', async () => {
  const r = await loadPolicyFile(policyFile);
  if (!r.ok) throw new Error('policy');
  const policy = r.policy;
  const assets = [asset('10.20.1.11', 'hmi'), asset('10.30.1.5', 'plc'), asset('10.10.1.20', 'workstation')];
  const writes = path({ from: '10.20.1.11', to: '10.30.1.5', protocol: 'modbus', port: 502, ops: { read: 5, write: 2 } });
  const readsOnly = path({ from: '10.20.1.11', to: '10.30.1.5', protocol: 'modbus', port: 502, ops: { read: 5 } });
  const noConduit = path({ from: '10.10.1.20', to: '10.30.1.5', protocol: 'modbus', port: 502, ops: { read: 1 } });
  const run = (paths: ReturnType<typeof path>[], t: number) => audit(assets, paths, policy, { now: t }).findings;
  const byRule = (fs: TrackedFinding[], rule: string) => fs.find((f) => f.rule === rule)!;

  const t1 = T0 + 86_400;
  const t2 = t1 + 86_400;
  const t3 = t2 + 86_400;

  // Analysis 1: a write across the read-only conduit and a flow with no conduit.
  const a1 = mergeFindings([], run([writes, noConduit], t1), t1);
  const writeId = byRule(a1.findings, RULES.operationNotAllowed).id;
  const noConduitId = byRule(a1.findings, RULES.flowWithoutConduit).id;
  // A person accepts the flow without conduit for now.
  const acked = a1.findings.map((f) => {
    if (f.id !== noConduitId) return f;
    const r = acknowledge(f, 'j.doe', 'MES migration, firewall change CHG-1234 planned', t1 + 60);
    if (!r.ok) throw new Error(r.error);
    return r.finding;
  });
  // Analysis 2: the writes stopped (reads go on), the acknowledged flow continues.
  const a2 = mergeFindings(acked, run([readsOnly, noConduit], t2), t2);
  // Analysis 3: the writes are back, the acknowledged flow stopped.
  const a3 = mergeFindings(a2.findings, run([writes], t3), t3);

  it('analysis 1: every finding is new and open', () => {
    expect(a1.findings.every((f) => f.status === 'open' && f.firstDetected === t1)).toBe(true);
    expect(a1.opened.sort()).toEqual(a1.findings.map((f) => f.id).sort());
    expect(a1.opened).toContain(writeId);
  });

  it('acknowledging records who and why, and needs both', () => {
    const f = acked.find((x) => x.id === noConduitId)!;
    expect(f.status).toBe('acknowledged');
    expect(f.ack).toEqual({ by: 'j.doe', reason: 'MES migration, firewall change CHG-1234 planned', at: t1 + 60 });
    expect(acknowledge(f, ' ', 'x', t1).ok).toBe(false);
    expect(acknowledge(f, 'x', '', t1).ok).toBe(false);
  });

  it('analysis 2: the write finding resolves when the writes stop; the acknowledged one stays acknowledged', () => {
    expect(a2.resolved).toEqual([writeId]);
    const w = a2.findings.find((f) => f.id === writeId)!;
    expect(w.status).toBe('resolved');
    expect(w.resolvedAt).toBe(t2);
    const n = a2.findings.find((f) => f.id === noConduitId)!;
    expect(n.status).toBe('acknowledged');
    expect(n.ack?.by).toBe('j.doe');
    expect(n.lastDetected).toBe(t2);
    expect(n.firstDetected).toBe(t1);
    expect(acknowledge(w, 'x', 'y', t2)).toEqual({ ok: false, error: `finding ${writeId} is resolved: nothing to acknowledge` });
  });

  it('analysis 3: the writes return and the finding reopens; the stopped flow resolves', () => {
    expect(a3.reopened).toEqual([writeId]);
    const w = a3.findings.find((f) => f.id === writeId)!;
    expect(w.status).toBe('reopened');
    expect(w.reopenCount).toBe(1);
    expect(w.firstDetected).toBe(t1);
    expect(w.resolvedAt).toBeNull();
    expect(w.history.map((h) => h.status)).toEqual(['open', 'resolved', 'reopened']);
    const n = a3.findings.find((f) => f.id === noConduitId)!;
    expect(n.status).toBe('resolved');
    expect(n.history.map((h) => h.status)).toEqual(['open', 'acknowledged', 'resolved']);
    expect(a3.resolved).toContain(noConduitId);
  });

  it('every change says who and why: the audit for what traffic did, a person for an acknowledgement', () => {
    const n = a3.findings.find((f) => f.id === noConduitId)!;
    expect(n.history).toEqual([
      { ts: t1, status: 'open', actor: AUDIT_ACTOR, comment: 'first reported' },
      { ts: t1 + 60, status: 'acknowledged', actor: 'j.doe', comment: 'MES migration, firewall change CHG-1234 planned' },
      { ts: t3, status: 'resolved', actor: AUDIT_ACTOR, comment: 'no longer reported' },
    ]);
  });

  it('a person reopens an acknowledged or resolved finding, not an open one', () => {
    const n = a2.findings.find((f) => f.id === noConduitId)!; // acknowledged
    const r = reopen(n, 'a.smith', 'CHG-1234 cancelled', t2 + 60);
    if (!r.ok) throw new Error(r.error);
    expect(r.finding).toMatchObject({ status: 'reopened', ack: null, reopenCount: 1, resolvedAt: null });
    expect(r.finding.history.at(-1)).toEqual({ ts: t2 + 60, status: 'reopened', actor: 'a.smith', comment: 'CHG-1234 cancelled' });
    expect(reopen(r.finding, 'a.smith', 'again', t2 + 61)).toEqual({ ok: false, error: `finding ${noConduitId} is already reopened` });
    const w = a2.findings.find((f) => f.id === writeId)!; // resolved
    expect(reopen(w, 'a.smith', 'writes seen on the HMI log', t2 + 60).ok).toBe(true);
    expect(reopen(w, 'a.smith', ' ', t2 + 60)).toEqual({ ok: false, error: 'reopening needs a reason' });
    // the next analysis still reporting it keeps it reopened; one that does not resolves it again
    const next = mergeFindings([r.finding], run([noConduit], t3), t3);
    expect(next.findings[0]!.status).toBe('reopened');
    expect(mergeFindings([r.finding], [], t3).resolved).toEqual([noConduitId]);
  });

  it('ids are unique in every state and nothing is lost', () => {
    for (const a of [a1, a2, a3]) expect(new Set(a.findings.map((f) => f.id)).size).toBe(a.findings.length);
    expect(new Set(a3.findings.map((f) => f.id))).toEqual(new Set([...a1.findings, ...a2.findings, ...a3.findings].map((f) => f.id)));
  });
});
