/** `otwatch capture`: the live agent on a mirror port. */
import { parseArgs } from 'node:util';
import pino from 'pino';
import { DEFAULT_DB } from '../../analysis/analyze-captures.js';
import { ConfigError, loadConfigFile, type AgentConfig } from '../config.js';
import { LiveAgent } from '../../live/live-agent.js';
import { StoreError } from '../../store/database.js';
import { auditStep } from '../../analysis/run-audit.js';
import { formatPolicyError, loadPolicyFile } from '../../audit/policy-load.js';
import { CliError, parseMaxFlows, type Command } from './command.js';
import { startLiveApi } from './live-api.js';
import { PUBLISH_FLAGS, PUBLISH_USAGE, publishSettings, startPublisher } from '../../sync/options.js';

const usage = `usage: otwatch capture --interface <name> [--filter <bpf>] [--policy file] [--db file] [--serve]
                       [--config file] [--snaplen n] [--buffer-mb n] [--no-promisc] [--flush-seconds n]
                       [--evidence-dir dir --evidence-max-mb n] [--host addr --port n] [--max-flows n]

Runs the pipeline on live traffic from a SPAN/mirror port (libpcap). Never transmits: no ARP, no DNS
lookups, no probing. Needs CAP_NET_RAW (and CAP_NET_ADMIN for promiscuous mode), not root:
  sudo setcap cap_net_raw,cap_net_admin=eip "$(readlink -f "$(which node)")"
Inventory, paths and findings are flushed to the database every --flush-seconds (default 5): a crash
loses at most that; SIGTERM/SIGINT flush and exit.

  --config file        YAML configuration (deploy/otwatch.yaml); flags override it
  --interface name     the mirror port (must be up; no address needed)
  --filter bpf         BPF filter (VLAN-tagged traffic needs e.g. "tcp port 502 or (vlan and tcp port 502)")
  --policy file        zone/conduit policy to audit against (checked before capture starts)
  --db file            SQLite database (default ${DEFAULT_DB})
  --snaplen n          bytes kept per packet (default 65535)
  --buffer-mb n        kernel capture buffer (default 64)
  --no-promisc         do not put the interface in promiscuous mode
  --evidence-dir dir   keep a rolling evidence capture there, of --evidence-max-mb MiB in all (default 1024)
  --max-flows n        open flows kept at most (default 32768): past it a new flow first ends the oldest one
                       that never carried payload (a scan's), else the oldest not seen lately
  --serve              serve the REST API in the same process (--host, default 127.0.0.1; --port, default 8080)
${PUBLISH_USAGE}`;

function num(v: string | undefined, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new CliError(`--${name} must be a number from ${min} to ${max}`);
  return n;
}

export const captureCommand: Command = {
  name: 'capture',
  usage,
  async run(argv) {
    const values = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        interface: { type: 'string', short: 'i' },
        filter: { type: 'string' },
        policy: { type: 'string' },
        db: { type: 'string' },
        serve: { type: 'boolean' },
        snaplen: { type: 'string' },
        'buffer-mb': { type: 'string' },
        'no-promisc': { type: 'boolean' },
        'flush-seconds': { type: 'string' },
        'evidence-dir': { type: 'string' },
        'evidence-max-mb': { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        'max-flows': { type: 'string' },
        ...PUBLISH_FLAGS,
      },
    }).values;
    let cfg: Partial<AgentConfig> = {};
    if (values.config) {
      try {
        cfg = loadConfigFile(values.config);
      } catch (err) {
        if (err instanceof ConfigError) throw new CliError(err.message);
        throw err;
      }
    }
    const iface = values.interface ?? cfg.interface;
    if (!iface) throw new CliError(`no interface given (--interface or 'interface:' in --config)\n\n${usage}`);
    const policy = values.policy ?? cfg.policy;
    if (policy) {
      const loaded = await loadPolicyFile(policy);
      if (!loaded.ok)
        throw new CliError(`the policy has ${loaded.errors.length} error(s):\n${loaded.errors.map(formatPolicyError).join('\n')}`);
    }
    let publish;
    try {
      publish = publishSettings(values, cfg);
    } catch (err) {
      throw new CliError((err as Error).message);
    }
    const log = pino({ level: process.env.OTWATCH_LOG ?? cfg.log_level ?? 'info', base: { service: 'otwatch' } }, pino.destination(2));
    const evidenceDir = values['evidence-dir'] ?? cfg.evidence?.dir;
    let agent: LiveAgent;
    try {
      agent = new LiveAgent({
        iface,
        filter: values.filter ?? cfg.filter,
        snaplen: num(values.snaplen, 'snaplen', 64, 262144) ?? cfg.snaplen,
        bufferMb: num(values['buffer-mb'], 'buffer-mb', 1, 4096) ?? cfg.buffer_mb,
        promisc: values['no-promisc'] ? false : (cfg.promiscuous ?? true),
        db: values.db ?? cfg.db ?? DEFAULT_DB,
        policy,
        audit: policy ? auditStep() : undefined,
        flushSeconds: num(values['flush-seconds'], 'flush-seconds', 1, 3600) ?? cfg.flush_seconds ?? 5,
        silentAfter: cfg.silent_after_hours ? cfg.silent_after_hours * 3600 : undefined,
        maxFlows: parseMaxFlows(values['max-flows']) ?? cfg.max_flows,
        evidence: evidenceDir
          ? {
              dir: evidenceDir,
              maxMb: num(values['evidence-max-mb'], 'evidence-max-mb', 1, 1 << 20) ?? cfg.evidence?.max_mb ?? 1024,
              fileMb: cfg.evidence?.file_mb,
            }
          : undefined,
        log,
      });
    } catch (err) {
      // a damaged, read-only or locked database keeps its documented exit code (65, 73, 74, 75), as for every command
      if (err instanceof StoreError) throw err;
      throw new CliError((err as Error).message);
    }
    try {
      await agent.start();
    } catch (err) {
      await agent.stop().catch(() => undefined);
      throw new CliError((err as Error).message);
    }
    // remote sites: the outbox (filled by the agent's flushes) goes to the hub over the publisher's own connection
    const publisher = publish
      ? await startPublisher(publish, values.db ?? cfg.db ?? DEFAULT_DB, log, () => ({
          packets: agent.metrics.packets,
          flushes: agent.metrics.flushes,
          activeFlows: agent.metrics.activeFlows,
          findings: agent.metrics.findings,
        }))
      : undefined;
    const serve = values.serve || cfg.api?.enabled;
    const api = serve
      ? await startLiveApi(agent, {
          db: values.db ?? cfg.db ?? DEFAULT_DB,
          host: values.host ?? cfg.api?.host,
          port: num(values.port, 'port', 0, 65535) ?? cfg.api?.port,
          tls: cfg.api?.tls_cert && cfg.api?.tls_key ? { cert: cfg.api.tls_cert, key: cfg.api.tls_key } : undefined,
          log,
          trustProxy: cfg.api?.trust_proxy,
        })
      : undefined;

    await new Promise<void>((resolve) => {
      const shutdown = (signal: string) => {
        log.info(`${signal}: flushing and stopping`);
        // a second signal, or a flush that hangs, must not keep the service from stopping
        const force = setTimeout(() => process.exit(1), 10_000);
        force.unref();
        void (async () => {
          await api?.close().catch(() => undefined);
          await agent.stop().catch((err) => log.error({ err: (err as Error).message }, 'final flush failed'));
          // the final flush's changes get a few seconds to reach the hub; the rest waits in the outbox
          await publisher?.stop(5000).catch(() => undefined);
          resolve();
        })();
      };
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.once('SIGINT', () => shutdown('SIGINT'));
    });
    return 0;
  },
};
