/**
 * The `modbus` section of `otwatch stats` against Wireshark's oracle, for every capture of the corpus:
 * equal where the oracle has a section, absent (or only the extra `other_ports` key) where it has none.
 */
import { describe, expect, it } from 'vitest';
import { statsForCaptures } from '../../src/pipeline/statistics.js';
import { corpusAvailable, corpusCaptures, corpusPath, oracleFor } from '../helpers/corpus.js';
import type { ModbusSection } from '../../src/protocols/modbus/stats.js';

type Adjust = (o: ModbusSection) => void;

/** Exception responses (code 1) Wireshark did not dissect, added to its counts. */
function plusExceptionResponses(fcs: number[]): Adjust {
  return (o) => {
    for (const fc of fcs) {
      o.pdus++;
      o.responses++;
      o.by_function[fc] = (o.by_function[fc] ?? 0) + 1;
      o.exceptions[`${fc}:1`] = (o.exceptions[`${fc}:1`] ?? 0) + 1;
    }
  };
}

/** Where Wireshark is wrong, and why; the test expects the oracle corrected by `adjust`. */
const WIRESHARK_DIFFERS: Record<string, { reason: string; adjust: Adjust }> = {
  'modbus/zeek__fuzz-72.pcap': {
    reason:
      'frames 19, 21, 25, 26, 27 and 32 carry exception responses (FC 47, 51, 54, 58, 59, 66, code 1) from port 502 that appear ' +
      "nowhere else in the capture; the fuzzer made the server's sequence numbers jump (frame 12: +131,090), so Wireshark " +
      'calls them retransmissions and does not dissect them',
    adjust: plusExceptionResponses([47, 51, 54, 58, 59, 66]),
  },
  'modbus/zeek__modbusBig.pcap': {
    reason:
      "frame 3150 is the only copy of the FC 1 response to transaction 50382; the client's ACK of it (frame 3149) was captured " +
      'first, so Wireshark calls it a spurious retransmission and does not dissect it',
    adjust: (o) => {
      o.pdus++;
      o.responses++;
      o.by_function['1']!++;
    },
  },
};

describe.skipIf(!corpusAvailable)('modbus section vs the Wireshark oracle (corpus)', () => {
  const captures = corpusCaptures();
  const withModbus = captures.filter((c) => oracleFor(c).modbus !== undefined);

  it('finds the captures that have a modbus oracle', () => {
    expect(withModbus.length).toBeGreaterThanOrEqual(15);
  });

  for (const rel of withModbus) {
    const known = WIRESHARK_DIFFERS[rel];
    it(`${rel} equals the oracle${known ? ' (corrected: Wireshark is wrong, see WIRESHARK_DIFFERS)' : ''}`, async () => {
      const report = await statsForCaptures([corpusPath(rel)]);
      const mine = { ...(report['modbus'] as Record<string, unknown>) };
      delete mine['other_ports'];
      const expected = structuredClone(oracleFor(rel).modbus) as ModbusSection;
      known?.adjust(expected);
      expect(mine).toEqual(expected);
    });
  }

  it('reports no Modbus where Wireshark saw none (other_ports aside)', async () => {
    const wrong: string[] = [];
    for (const rel of captures) {
      if (oracleFor(rel).modbus !== undefined) continue;
      const report = await statsForCaptures([corpusPath(rel)]);
      const sec = report['modbus'] as Record<string, unknown> | undefined;
      if (sec && Object.keys(sec).some((k) => k !== 'other_ports')) wrong.push(`${rel}: ${JSON.stringify(sec).slice(0, 200)}`);
    }
    expect(wrong).toEqual([]);
  });
});
