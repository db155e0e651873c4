import { describe, expect, it } from 'vitest';
import { routedDestination, routedDeviceId, routedSource } from './routing.js';

describe('routed device ids', () => {
  it('name the device by network and MAC; broadcasts and indeterminate sources name none', () => {
    expect(routedDeviceId(3, '1d')).toBe('bacnet:3:1d');
    expect(routedSource({ snet: 3, sadr: '1d' })).toBe('bacnet:3:1d');
    expect(routedSource({ snet: 3, sadr: '' })).toBeUndefined();
    expect(routedSource({ dnet: 3, dadr: '1d' })).toBeUndefined();
    expect(routedDestination({ dnet: 3, dadr: '1d' })).toBe('bacnet:3:1d');
    expect(routedDestination({ dnet: 3, dadr: '' })).toBeUndefined();
    expect(routedDestination({ dnet: 0xffff, dadr: '' })).toBeUndefined();
    expect(routedDestination({ dnet: 0xffff, dadr: '1d' })).toBeUndefined();
    expect(routedDestination({ dnet: '3', dadr: '1d' })).toBeUndefined();
  });
});
