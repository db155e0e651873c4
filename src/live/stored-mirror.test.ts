import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeCaptures } from '../analysis/analyze-captures.js';
import { Store, type SaveResult } from '../store/store.js';
import { StoredMirror } from './stored-mirror.js';

const PLANT = join(import.meta.dirname, '../../fixtures/plant');
const dir = mkdtempSync(join(tmpdir(), 'otwatch-mirror-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('StoredMirror', () => {
  it("holds what the store holds: after the agent's own saves without reading back, after another connection's write by reading again", async () => {
    const file = join(dir, 'mirror.db');
    const store = new Store(file);
    const mirror = new StoredMirror(store);
    // the agent's saves go through this store: the mirror sees each SaveResult
    const save = store.save.bind(store);
    store.save = (r, o): SaveResult => {
      const s = save(r, o);
      mirror.saved(s);
      return s;
    };
    try {
      const fresh = () => ({ assets: store.assets(), paths: store.paths() });
      expect(mirror.current()).toEqual(fresh());
      expect(mirror.reloads).toBe(1);
      await analyzeCaptures([join(PLANT, 'plant.pcap')], { store });
      // peers' traffic merges into paths the plant already stored: counts add up, roles are recomputed
      await analyzeCaptures([join(PLANT, 'peers/modbus.pcap'), join(PLANT, 'peers/bacnet.pcap')], { store });
      const after = fresh();
      expect(after.paths.length).toBeGreaterThan(20);
      expect(mirror.current()).toEqual(after);
      expect(mirror.reloads).toBe(1); // updated from the saves, never read back

      // another connection writes (an upload job, say): the next look reads the store again
      const other = new Store(file);
      try {
        await analyzeCaptures([join(PLANT, 'peers/s7comm.pcap'), join(PLANT, 'peers/opcua.pcap')], { store: other });
      } finally {
        other.close();
      }
      expect(mirror.current()).toEqual(fresh());
      expect(mirror.reloads).toBe(2);
    } finally {
      store.close();
    }
  });
});
