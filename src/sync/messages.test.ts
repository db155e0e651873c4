import { describe, expect, it } from 'vitest';
import { parseMessage } from './messages.js';

const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const batch = { v: 1, site: 's', kind: 'asset', seq: 10, prev: 5, changes: [{ id: 'a', seq: 10, data: { id: 'a' } }] };

describe('messages from the wire', () => {
  it('reads a batch and a heartbeat', () => {
    expect(parseMessage('asset', enc(batch))).toEqual(batch);
    const hb = { v: 1, site: 's', ts: 1, lastAcked: 3, pending: 0, counters: {} };
    expect(parseMessage('heartbeat', enc(hb))).toEqual(hb);
  });

  it('refuses anything malformed without throwing', () => {
    const bad: [string, unknown][] = [
      ['asset', 'not json'],
      ['asset', '{"v":1'],
      ['asset', null],
      ['asset', []],
      ['asset', { ...batch, v: 2 }],
      ['path', batch], // kind of the body differs from the subject's
      ['nope', { ...batch, kind: 'nope' }],
      ['asset', { ...batch, seq: -1 }],
      ['asset', { ...batch, seq: 2 ** 60 }],
      ['asset', { ...batch, prev: '5' }],
      ['asset', { ...batch, changes: 'x' }],
      ['asset', { ...batch, changes: [null] }],
      ['asset', { ...batch, changes: [{ id: '', seq: 1, data: {} }] }],
      ['asset', { ...batch, changes: [{ id: 'a\u0000b', seq: 1, data: {} }] }],
      ['asset', { ...batch, changes: [{ id: 'a', seq: 11, data: {} }] }], // newer than the batch
      ['asset', { ...batch, changes: [{ id: 'a', seq: 1, data: 'x' }] }],
      ['asset', { ...batch, site: 'x'.repeat(2000) }],
      ['heartbeat', { v: 1, site: 's', ts: 'now', lastAcked: 1 }],
    ];
    for (const [kind, body] of bad) expect(parseMessage(kind, enc(body)), JSON.stringify(body)?.slice(0, 80)).toBeUndefined();
  });
});
