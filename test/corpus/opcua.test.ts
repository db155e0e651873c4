/**
 * The whole pipeline with every registered decoder on every corpus capture, compared with Wireshark's
 * `opcua` section: equal on every key, or different only where Wireshark is wrong, which is listed
 * below with the frames and the reason. Captures without an `opcua` section must give none.
 */
import { describe, expect, it } from 'vitest';
import { statsForCaptures } from '../../src/pipeline/statistics.js';
import { corpusAvailable, corpusCaptures, corpusPath, oracleFor } from '../helpers/corpus.js';

type Section = Record<string, any>;

interface WiresharkError {
  frames: string;
  reason: string;
  /** The oracle as it would be without Wireshark's error: what otwatch must produce. */
  correct(oracle: Section): void;
}

const WIRESHARK_ERRORS: Record<string, WiresharkError> = {
  'opcua/icsnpp-opcua-binary__opcua_with-gap.pcap': {
    frames: '12-30 (CreateSessionResponse, MSG of 13990 bytes at server seq 164..14154)',
    reason:
      'the client ACKs in frames 25 and 29 were captured before the data they acknowledge, so Wireshark ' +
      'calls frames 26 and 30 "spurious retransmissions", leaves them out of TCP reassembly and never ' +
      'completes the CreateSessionResponse; every byte is in the capture, and otwatch decodes it: one more ' +
      'MSG, service 464, and the 7 endpoints it lists (a Softing gateway: four policies, modes 1-3)',
    correct(o) {
      o.messages.MSG += 1;
      o.services['464'] = 1;
      o.endpoint_security_policies = ['Basic128Rsa15', 'Basic256', 'Basic256Sha256', 'None'].map(
        (p) => `http://opcfoundation.org/UA/SecurityPolicy#${p}`,
      );
      o.security_modes = [1, 2, 3];
      o.application_uris = ['urn:00:06:71:33:05:02', ...o.application_uris].sort();
      o.product_uris = [...o.product_uris, 'urn:Softing:SoftingOPCUAGateway'].sort();
    },
  },
};

/** Maps compare without key order; everything else exactly. */
function normalise(s: Section | undefined): Section | undefined {
  if (!s) return s;
  const out: Section = {};
  for (const k of Object.keys(s).sort()) {
    const v = s[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort()) : v;
  }
  return out;
}

describe.skipIf(!corpusAvailable)('OPC UA corpus agreement with Wireshark', () => {
  const captures = corpusCaptures();
  const withOpcua = captures.filter((c) => oracleFor(c).opcua);

  it('has the OPC UA captures the oracle lists', () => {
    expect(withOpcua.length).toBeGreaterThanOrEqual(27);
  });

  it.each(withOpcua)('%s', async (rel) => {
    const expected: Section = structuredClone(oracleFor(rel).opcua);
    const known = WIRESHARK_ERRORS[rel];
    if (known) {
      console.info(`${rel}: Wireshark error at frames ${known.frames}: ${known.reason}`);
      known.correct(expected);
    }
    const report = await statsForCaptures([corpusPath(rel)]);
    expect(normalise(report.opcua as Section)).toEqual(normalise(expected));
  });

  it('finds no OPC UA where Wireshark saw none', async () => {
    const found: string[] = [];
    for (const rel of captures) {
      if (oracleFor(rel).opcua) continue;
      const report = await statsForCaptures([corpusPath(rel)]);
      if (report.opcua) found.push(`${rel}: ${JSON.stringify(report.opcua).slice(0, 200)}`);
    }
    expect(found).toEqual([]);
  }, 300_000);
});
