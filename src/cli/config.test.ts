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

  it('refuses a flow bound below 1 with its line and what was expected', () => {
    expect(() => loadConfigText('interface: eth1\nmax_flows: 0\n', '/etc/otwatch/otwatch.yaml')).toThrow(ConfigError);
    expect(() => loadConfigText('interface: eth1\nmax_flows: 0\n', '/etc/otwatch/otwatch.yaml')).toThrow(
      /otwatch\.yaml:2:\d+: .*a number of open flows between 1 and 10000000/,
    );
  });
});
