import { describe as suite, expect, it } from 'vitest';
import { classify, describe } from './classify.js';
import { describeRequest, type Described } from './memo.js';
import type { ModbusFields } from './records.js';

suite('describeRequest', () => {
  it('gives what classify + describe give, for repeated, changed and non-range requests', () => {
    const out: Described = { fn: '', operation: 'other', detail: '' };
    const cases: ModbusFields[] = [];
    for (const functionCode of [1, 2, 3, 4, 15, 16, 5, 6, 8, 43, 90])
      for (const unitId of [0, 1, 247, 255])
        for (const [address, quantity] of [
          [0, 10],
          [0, 11],
          [9998, 2],
          [65535, 1],
          [100, 0],
        ] as const)
          cases.push({ transactionId: 1, unitId, functionCode, address, quantity });
    cases.push({ transactionId: 2, unitId: 1, functionCode: 3 }); // malformed: no range
    cases.push({ transactionId: 3, unitId: 1, functionCode: 90, umasFunction: 0x02 });
    // twice: the second round is answered from the table
    for (const f of [...cases, ...cases]) {
      describeRequest(f, out);
      const c = classify(f);
      expect(out).toEqual({ fn: c.fn, operation: c.operation, detail: describe(f, c.fn) });
    }
  });
});
