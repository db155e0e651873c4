/**
 * The live agent's configuration file (YAML, equivalent to the `otwatch capture` flags), validated against
 * src/cli/config.schema.json with every error's line and column, like the policy.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { compileSchema, validateAgainstSchema } from '../audit/schema-validate.js';
import { yamlError, formatPolicyError } from '../audit/policy-load.js';
import type { ValidateFunction } from 'ajv';
import type { PublishConfig } from '../sync/options.js';
import { parseTrustProxy, type TrustProxy } from '../api/auth.js';

export interface AgentConfig {
  interface: string;
  filter?: string;
  snaplen?: number;
  buffer_mb?: number;
  promiscuous?: boolean;
  policy?: string;
  db?: string;
  flush_seconds?: number;
  silent_after_hours?: number;
  max_flows?: number;
  evidence?: { dir: string; max_mb?: number; file_mb?: number };
  api?: {
    enabled?: boolean;
    host?: string;
    port?: number;
    tls_cert?: string;
    tls_key?: string;
    allow_insecure?: boolean;
    /** Behind a reverse proxy: whose X-Forwarded-For/-Proto to believe (see `otwatch serve --trust-proxy`). */
    trust_proxy?: TrustProxy;
  };
  log_level?: string;
  /** Remote sites: this sensor's site id and the hub's NATS to publish to. */
  site?: string;
  publish?: PublishConfig;
}

let validate: ValidateFunction | undefined;

export class ConfigError extends Error {}

/** Parse and validate; relative paths in the file are relative to the file. Throws ConfigError listing every problem. */
export function loadConfigText(text: string, file: string): AgentConfig {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true, uniqueKeys: true });
  const syntax = [...doc.errors, ...doc.warnings].map((e) => yamlError(e, file));
  const data: unknown = syntax.length ? undefined : doc.toJS({ maxAliasCount: 10 });
  validate ??= compileSchema(JSON.parse(readFileSync(new URL('./config.schema.json', import.meta.url), 'utf8')));
  const errors = syntax.length ? syntax : validateAgainstSchema(data ?? {}, doc, lc, file, validate);
  if (errors.length) throw new ConfigError(`the configuration has ${errors.length} error(s):\n${errors.map(formatPolicyError).join('\n')}`);
  const c = data as AgentConfig;
  if (c.api?.trust_proxy !== undefined) {
    const t = parseTrustProxy(c.api.trust_proxy);
    if (typeof t === 'object' && 'error' in t)
      throw new ConfigError(`the configuration has 1 error(s):\n${file}: api.trust_proxy: ${t.error}`);
    c.api.trust_proxy = t;
  }
  const base = dirname(resolve(file));
  const abs = (p: string | undefined) => (p === undefined || isAbsolute(p) ? p : resolve(base, p));
  return {
    ...c,
    policy: abs(c.policy),
    db: abs(c.db),
    evidence: c.evidence && { ...c.evidence, dir: abs(c.evidence.dir)! },
    api: c.api && { ...c.api, tls_cert: abs(c.api.tls_cert), tls_key: abs(c.api.tls_key) },
    publish: c.publish && {
      ...c.publish,
      creds: abs(c.publish.creds),
      ca: abs(c.publish.ca),
      cert: abs(c.publish.cert),
      key: abs(c.publish.key),
    },
  };
}

export function loadConfigFile(path: string): AgentConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read the configuration ${path}: ${(err as Error).message}`);
  }
  return loadConfigText(text, path);
}
