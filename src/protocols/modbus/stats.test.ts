import { describe, expect, it } from 'vitest';
import { ModbusDecoder } from './decoder.js';
import { adu, fakeContext } from '../../../test/helpers/modbus/fake-context.js';
import { ModbusStats } from './stats.js';

function feed(
  stats: ModbusStats,
  client: { ip: string; port: number },
  server: { ip: string; port: number },
  chunks: [boolean, Buffer][],
): void {
  const ctx = fakeContext(client, server);
  const d = new ModbusDecoder(ctx);
  for (const [c, b] of chunks) d.onData(c, b, 1);
  for (const e of ctx.events) stats.onEvent(e);
}

describe('modbus stats section', () => {
  it('is absent when no Modbus was seen and ignores other protocols', () => {
    const s = new ModbusStats();
    expect(s.section()).toBeUndefined();
    s.onEvent({
      protocol: 's7comm',
      ts: 0,
      flow: fakeContext().flow,
      src: { ip: '1.1.1.1', port: 102 },
      dst: { ip: '2.2.2.2', port: 1 },
      direction: 'request',
      fn: 'x',
      operation: 'read',
      fields: {},
    });
    expect(s.section()).toBeUndefined();
  });

  it("counts in the oracle's terms on port 502", () => {
    const s = new ModbusStats();
    const obj = (id: number, v: string) => [id, v.length, ...Buffer.from(v)];
    feed(s, { ip: '10.0.0.9', port: 3082 }, { ip: '10.0.0.3', port: 502 }, [
      [true, Buffer.concat([adu(1, 10, [1, 0, 0, 0, 1]), adu(2, 10, [43, 14, 1, 0])])],
      [false, adu(1, 10, [0x81, 2])],
      [false, adu(2, 10, [43, 14, 1, 1, 0, 0, 3, ...obj(0, 'Zeek'), ...obj(2, '1.2.3.6'), ...obj(0x80, 'private')])],
    ]);
    feed(s, { ip: '10.0.0.57', port: 4000 }, { ip: '10.0.0.8', port: 502 }, [[true, adu(3, 1, [3, 0, 0, 0, 1])]]);
    expect(s.section()).toEqual({
      pdus: 5,
      requests: 3,
      responses: 2,
      unknown_dir: 0,
      by_function: { 1: 2, 3: 1, 43: 2 },
      exceptions: { '1:2': 1 },
      device_identification: ['1.2.3.6', 'Zeek'], // private objects are bytes to Wireshark
      servers: ['10.0.0.3:502', '10.0.0.8:502'],
      clients: ['10.0.0.57', '10.0.0.9'],
      unit_ids: [1, 10],
    });
  });

  it('puts PDUs between two port-502 sides in unknown_dir, like Wireshark', () => {
    const s = new ModbusStats();
    feed(s, { ip: '10.0.0.1', port: 502 }, { ip: '10.0.0.2', port: 502 }, [[true, adu(1, 1, [3, 0, 0, 0, 1])]]);
    expect(s.section()).toMatchObject({ pdus: 1, requests: 0, responses: 0, unknown_dir: 1, servers: [], clients: [] });
  });

  it('keeps Modbus on other ports out of the oracle keys, under other_ports', () => {
    const s = new ModbusStats();
    feed(s, { ip: '10.0.0.5', port: 40001 }, { ip: '10.0.0.6', port: 5020 }, [
      [true, adu(1, 1, [3, 0, 9, 0, 1])],
      [false, adu(1, 1, [3, 2, 0, 7])],
    ]);
    const sec = s.section()!;
    expect(Object.keys(sec)).toEqual(['other_ports']);
    expect(sec.other_ports).toMatchObject({ pdus: 2, requests: 1, responses: 1, servers: ['10.0.0.6:5020'], clients: ['10.0.0.5'] });
  });
});
