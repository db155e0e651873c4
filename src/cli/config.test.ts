import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfigText } from './config.js';

const sample = fileURLToPath(new URL('../../deploy/otwatch.yaml', import.meta.url));

describe('agent configuration', () => {
  it('accepts the shipped sample, flow bound included', () => {
    const c = loadConfigText(readFileSync(sample, 'utf8'), sample);
    expect(c.interface).toBe('eth1');
    expect(c.max_flows).toBe(32768);
  });

  it('reads api.trust_proxy as addresses or true, and refuses what is neither', () => {
    const api = (v: string) => loadConfigText(`interface: eth1\napi:\n  trust_proxy: ${v}\n`, '/etc/otwatch/otwatch.yaml').api;
    expect(api('127.0.0.1')?.trust_proxy).toEqual(['127.0.0.1']);
    expect(api('[10.0.0.1, 10.9.0.0/16]')?.trust_proxy).toEqual(['10.0.0.1', '10.9.0.0/16']);
    expect(() => api('2')).toThrow(/not a hop count/);
    expect(api('true')?.trust_proxy).toBe(true);
    expect(() => api('proxy.example')).toThrow(/otwatch\.yaml: api\.trust_proxy: 'proxy\.example' is not an address/);
    expect(() => api('{a: 1}')).toThrow(/reverse proxy's addresses/);
  });

  it('refuses a flow bound below 1 with its line and what was expected', () => {
    expect(() => loadConfigText('interface: eth1\nmax_flows: 0\n', '/etc/otwatch/otwatch.yaml')).toThrow(ConfigError);
    expect(() => loadConfigText('interface: eth1\nmax_flows: 0\n', '/etc/otwatch/otwatch.yaml')).toThrow(
      /otwatch\.yaml:2:\d+: .*a number of open flows between 1 and 10000000/,
    );
  });
});
