/**
 * A real S7 peer: node-snap7's S7Server and S7Client on loopback port 102, captured by tcpdump and
 * decoded through the whole pipeline (`statsForCaptures` and the events). The client connects as
 * PG to rack 0 slot 2, writes and reads DB1 and reads the SZLs that identify the CPU. Skips with a
 * message when tcpdump is missing or port 102 cannot be bound.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline } from '../../src/pipeline/pipeline.js';
import { statsForCaptures } from '../../src/pipeline/statistics.js';
import { recordLoopback, tcpdumpAvailable } from '../helpers/tcpdump.js';
import type { ProtocolEvent } from '../../src/core/events.js';
import { s7commModule } from '../../src/protocols/s7comm/index.js';
import type { S7Section } from '../../src/protocols/s7comm/stats.js';

// node-snap7 is a CommonJS native addon
const snap7 = createRequire(import.meta.url)('node-snap7') as any;

const hasTcpdump = tcpdumpAvailable();
if (!hasTcpdump) console.warn('[s7comm peer test] tcpdump not found: real-peer test skipped');

function call<T>(fn: (cb: (err: unknown, res?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) =>
    fn((err, res) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(res as T))),
  );
}

describe.skipIf(!hasTcpdump)('S7comm real peer over loopback (node-snap7 + tcpdump)', () => {
  let dir = '';
  let pcap = '';
  let server: any;
  let skipped = '';
  let szl11: Buffer | undefined;
  const db1 = Buffer.alloc(16);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'otwatch-s7-'));
    pcap = join(dir, 'peer.pcap');
    // settleMs: let tcpdump write the last segments (-U flushes per packet)
    await recordLoopback({ file: pcap, filter: 'tcp port 102', settleMs: 500 }, async () => {
      server = new snap7.S7Server();
      server.RegisterArea(server.srvAreaDB, 1, db1);
      if (!server.StartTo('127.0.0.1')) {
        skipped = `S7Server could not bind 127.0.0.1:102: ${server.ErrorText(server.LastError?.() ?? 0)}`;
        console.warn(`[s7comm peer test] ${skipped}`);
        return;
      }
      const client = new snap7.S7Client();
      await call((cb) => client.ConnectTo('127.0.0.1', 0, 2, cb));
      await call((cb) => client.DBWrite(1, 2, 4, Buffer.from([0xde, 0xad, 0xbe, 0xef]), cb));
      const read = await call<Buffer>((cb) => client.DBRead(1, 0, 8, cb));
      expect([...read]).toEqual([0, 0, 0xde, 0xad, 0xbe, 0xef, 0, 0]);
      szl11 = await call<Buffer>((cb) => client.ReadSZL(0x0011, 0x0000, cb));
      await call((cb) => client.ReadSZL(0x001c, 0x0000, cb));
      client.Disconnect();
    });
  });

  afterAll(() => {
    server?.Stop?.();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('decodes the conversation into the oracle-format section and events', async () => {
    if (skipped) return;

    const s7 = (await statsForCaptures([pcap])).s7comm as S7Section;
    expect(s7).toBeDefined();
    expect(s7.job_functions).toEqual({ '0xf0': 1, '0x05': 1, '0x04': 1 });
    expect(s7.ackdata_functions).toEqual({ '0xf0': 1, '0x05': 1, '0x04': 1 });
    expect(s7.by_rosctr['7']).toBeGreaterThanOrEqual(4); // two SZL requests and their answers
    expect(s7.szl_ids).toEqual(expect.arrayContaining(['0x0011', '0x001c']));
    expect(s7.servers).toEqual(['127.0.0.1:102']);
    // the order number in the decoded SZL answer is the one the client library itself read
    // node-snap7 returns the list without SZL id/index: record length(2) count(2), then index(2) and MlfB(20)
    const clientOrder = szl11!.toString('latin1', 6, 26).trim();
    expect(s7.order_numbers).toContain(clientOrder);

    const events: ProtocolEvent<Record<string, any>>[] = [];
    await runPipeline([pcap], { onEvent: (e) => events.push(e as any), onFlowEnd() {}, onBinding() {} }, { modules: [s7commModule] });
    const cr = events.find((e) => e.fn === 'cotp_connect_request');
    expect(cr?.fields).toMatchObject({ client_type: 'pg', rack: 0, slot: 2 });
    const write = events.find((e) => e.fn === 'write_var' && e.direction === 'request');
    expect(write).toMatchObject({ operation: 'write', detail: 'DB1.DBX2.0 len 4', dst: { port: 102 } });
    expect(write?.fields.data_items[0].value_hex).toBe('deadbeef');
    const read = events.find((e) => e.fn === 'read_var' && e.direction === 'response');
    expect(read).toMatchObject({ operation: 'read', detail: 'DB1.DBX0.0 len 8', fields: { return_codes: ['0xff'] } });
    const claims = events.flatMap((e) => e.identity ?? []);
    expect(claims).toEqual(expect.arrayContaining([{ about: 'src', attribute: 'order_number', value: clientOrder }]));
    expect(claims.some((c) => c.attribute === 'module_type')).toBe(true);
  });
});
