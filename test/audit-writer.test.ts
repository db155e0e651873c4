/**
 * The one audit writer (src/analysis/run-audit.ts), seen from the API: after `analyze --policy` and after an upload
 * job, `serve` shows every zone and conduit of the policy with the assets in each, as the demo does. (The live
 * agent's `capture --policy` leaves the same placement as analyze: test/peer/live-agent.test.ts.)
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/api/app.js';
import { loadPolicyFile } from '../src/audit/policy-load.js';
import type { Policy } from '../src/audit/policy-types.js';
import { bearer, tempDb, tokens } from './helpers/api.js';
import { repoRoot } from './helpers/corpus.js';

const PLANT = join(repoRoot, 'fixtures/plant/plant.pcap');
const POLICY = join(repoRoot, 'fixtures/plant/policy.yaml');

async function plantPolicy(): Promise<Policy> {
  const r = await loadPolicyFile(POLICY);
  if (!r.ok) throw new Error('the bundled plant policy does not load');
  return r.policy;
}

/** What `serve` answers on /zones, /conduits and /map for a database, with an admin token. */
async function served(db: string) {
  const tk = tokens(db);
  const app = await buildApp({ db });
  try {
    const get = async (url: string) => {
      const r = await app.inject({ url, headers: bearer(tk.admin) });
      expect(r.statusCode, url).toBe(200);
      return r.json();
    };
    return { zones: await get('/api/v1/zones'), conduits: await get('/api/v1/conduits'), map: await get('/api/v1/map') };
  } finally {
    await app.close();
  }
}

function expectEveryZoneAndConduit(policy: Policy, s: Awaited<ReturnType<typeof served>>) {
  expect(s.zones.policyVersion).toBe(1);
  const zoneIds = policy.zones.map((z) => z.id).sort();
  expect(s.zones.zones.map((z: { id: string }) => z.id).sort()).toEqual(zoneIds);
  // every zone of the bundled plant holds assets of the capture
  for (const z of s.zones.zones) expect(z.observed.assets, `assets in zone ${z.id}`).toBeGreaterThan(0);
  expect(s.conduits.conduits.map((c: { id: string }) => c.id).sort()).toEqual(policy.conduits.map((c) => c.id).sort());
  expect(s.map.zones.map((z: { id: string }) => z.id).sort()).toEqual(expect.arrayContaining(zoneIds));
  const zoned = s.map.assets.filter((a: { zone: string | null }) => a.zone && zoneIds.includes(a.zone));
  expect(zoned.length).toBeGreaterThan(0);
  for (const c of policy.conduits) expect(s.map.conduits.map((m: { id: string }) => m.id)).toContain(c.id);
}

describe('one audit writer: the zone placement the API reads', () => {
  const temps: ReturnType<typeof tempDb>[] = [];
  afterEach(() => temps.splice(0).forEach((t) => t.cleanup()));

  it('after `otwatch analyze --policy`, serve lists every zone and conduit with its assets', async () => {
    const t = tempDb();
    temps.push(t);
    execFileSync(
      process.execPath,
      ['--import', 'tsx', join(repoRoot, 'src/cli/cli.ts'), 'analyze', PLANT, '--policy', POLICY, '--db', t.db],
      {
        cwd: repoRoot,
        stdio: 'pipe',
      },
    );
    expectEveryZoneAndConduit(await plantPolicy(), await served(t.db));
  });

  it('after an upload job with a stored policy, the same', async () => {
    const t = tempDb();
    temps.push(t);
    const tk = tokens(t.db);
    const app = await buildApp({ db: t.db });
    try {
      const put = await app.inject({
        method: 'PUT',
        url: '/api/v1/policy',
        headers: { ...bearer(tk.admin), 'content-type': 'text/plain' },
        payload: readFileSync(POLICY, 'utf8'),
      });
      expect(put.statusCode).toBe(200);
      const up = await app.inject({
        method: 'POST',
        url: '/api/v1/captures',
        headers: { ...bearer(tk.admin), 'content-type': 'application/vnd.tcpdump.pcap' },
        payload: readFileSync(PLANT),
      });
      expect(up.statusCode).toBe(202);
      await app.otwatch.jobs.idle();
    } finally {
      await app.close();
    }
    expectEveryZoneAndConduit(await plantPolicy(), await served(t.db));
  });
});
