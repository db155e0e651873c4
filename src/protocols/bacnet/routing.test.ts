import { describe, expect, it } from 'vitest';
import { bipAddressOf, routedDestination, routedDeviceId, routedSource } from './routing.js';

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

  it('read a B/IP address out of a 6-octet MAC, and nothing out of an MS/TP or Ethernet one', () => {
    expect(bipAddressOf('bacnet:1:c0a80010bac0')).toEqual({ ip: '192.168.0.16', port: 47808 });
    expect(bipAddressOf('bacnet:3:1d')).toBeUndefined();
    expect(bipAddressOf('bacnet:3:c0a80010bac0ff')).toBeUndefined();
    expect(bipAddressOf('other:1:c0a80010bac0')).toBeUndefined();
  });
});
