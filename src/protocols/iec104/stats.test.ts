/** The oracle section from decoder events: 2404 keys, other ports apart, nothing when nothing was seen. */
import { describe, expect, it } from 'vitest';
import { asdu, iFrame, ioa, sFrame, uFrame } from '../../../test/helpers/iec104/build.js';
import { Iec104Decoder } from './decoder.js';
import { fakeContext } from '../../../test/helpers/iec104/fake-context.js';
import { Iec104Stats } from './stats.js';

function run(responderPort: number, script: (d: Iec104Decoder) => void, stats: Iec104Stats): void {
  const ctx = fakeContext({ ip: '10.1.1.1', port: 50000 }, { ip: '10.1.1.2', port: responderPort });
  script(new Iec104Decoder(ctx));
  for (const e of ctx.events) stats.onEvent(e);
}

describe('stats', () => {
  it('has no section without IEC 104 events, and ignores other protocols', () => {
    const s = new Iec104Stats();
    s.onEvent({ protocol: 'modbus', fields: {} } as never);
    expect(s.section()).toBeUndefined();
  });

  it('counts 2404 traffic in the oracle keys and heuristic finds under other_ports', () => {
    const s = new Iec104Stats();
    const script = (d: Iec104Decoder) => {
      d.onData(true, uFrame(0x01), 1);
      d.onData(false, Buffer.concat([uFrame(0x02), Buffer.from([0x68, 0x04, 0x17, 0, 0, 0])]), 2);
      d.onData(true, iFrame(0, 0, asdu({ type: 46, cause: 6, ca: 3, negative: true }, [...ioa(5), 0x81])), 3);
      d.onData(false, Buffer.concat([iFrame(0, 1, asdu({ type: 105, cause: 7, ca: 3 }, [...ioa(0), 1])), sFrame(1)]), 4);
      d.onData(false, iFrame(1, 1, [0x2d, 0x01]), 5); // type only: counted in type_ids and commands, no cause
    };
    run(2404, script, s);
    run(12404, script, s);
    const sec = s.section()!;
    const expected = {
      apci: { I: 3, S: 1, U: 3 },
      u_functions: { 'STARTDT act': 1, 'STARTDT con': 1, '0x05': 1 },
      type_ids: { 45: 1, 46: 1, 105: 1 },
      causes: { 6: 1, 7: 1 },
      common_addresses: [3],
      commands: 2,
      system_commands: { 105: 1 },
    };
    expect(sec).toEqual({
      ...expected,
      servers: ['10.1.1.2:2404'],
      clients: ['10.1.1.1'],
      other_ports: { ...expected, servers: ['10.1.1.2:12404'], clients: ['10.1.1.1'] },
    });
    expect(Object.keys(sec.u_functions!)).toEqual(['STARTDT act', 'STARTDT con', '0x05']);
  });
});
