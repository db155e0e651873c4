import { describe, expect, it } from 'vitest';
import { asAssetId, pathId } from './ids.js';

describe('pathId', () => {
  it('is the first 24 hex digits of the SHA-256 of the path key, as every stored database holds it', () => {
    // computed once with `printf %s 'mac:00:1b:1b:01:02:03|ip:10.0.0.5|modbus|tcp|502' | sha256sum`: an id that
    // changed would make every stored path a new one at the next analysis
    const id = pathId({
      initiator: asAssetId('mac:00:1b:1b:01:02:03'),
      responder: asAssetId('ip:10.0.0.5'),
      protocol: 'modbus',
      transport: 'tcp',
      responderPort: 502,
    });
    expect(id).toBe('path:e1eb35c81167d3d64a53464d');
  });

  it('differs when any part of the key differs', () => {
    const base = {
      initiator: asAssetId('ip:10.0.0.1'),
      responder: asAssetId('ip:10.0.0.2'),
      protocol: 'bacnet',
      transport: 'udp' as const,
      responderPort: 47808,
    };
    const ids = new Set([
      pathId(base),
      pathId({ ...base, responderPort: 47809 }),
      pathId({ ...base, transport: 'tcp' }),
      pathId({ ...base, protocol: 'modbus' }),
      pathId({ ...base, initiator: base.responder, responder: base.initiator }),
    ]);
    expect(ids.size).toBe(5);
  });
});
