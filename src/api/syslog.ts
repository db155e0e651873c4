/**
 * Forwards new findings to a syslog collector as RFC 5424 messages carrying a CEF line, over UDP
 * (one datagram each) or TCP (octet-counted framing, RFC 6587). Forwarding never blocks or breaks
 * the server: a collector that is down costs a counted error, not an exception.
 */
import { createSocket } from 'node:dgram';
import { hostname } from 'node:os';
import { connect, type Socket } from 'node:net';
import { cefLine } from './format/cef.js';
import type { StoredFinding } from '../store/findings-api-repository.js';

/** local4 (facility 20): commonly routed to security tools. */
export const SYSLOG_FACILITY = 20;
/** RFC 5424 severity of each finding severity. */
const SYSLOG_SEVERITY: Record<string, number> = { critical: 2, high: 3, medium: 4, low: 5, info: 6 };

export interface SyslogTarget {
  transport: 'udp' | 'tcp';
  host: string;
  port: number;
}

/** 'udp://host:514' or 'tcp://host:601'. */
export function parseSyslogUrl(url: string): SyslogTarget {
  const m = /^(udp|tcp):\/\/(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(url);
  if (!m || Number(m[3]) < 1 || Number(m[3]) > 65535) throw new Error(`syslog target '${url}' is not udp://host:port or tcp://host:port`);
  return { transport: m[1] as 'udp' | 'tcp', host: m[2]!.replace(/^\[|\]$/g, ''), port: Number(m[3]) };
}

export function syslogMessage(f: StoredFinding, now = new Date(), host = hostname()): string {
  const pri = SYSLOG_FACILITY * 8 + (SYSLOG_SEVERITY[f.severity] ?? 5);
  // HEADER: PRI VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID, then no structured data, then the CEF line.
  // RFC 5424 HOSTNAME is printable US-ASCII; the CEF line is sanitised field by field (cefLine)
  return `<${pri}>1 ${now.toISOString()} ${host.replace(/[^\x21-\x7e]/g, '') || '-'} otwatch ${process.pid} finding - ${cefLine(f)}`;
}

export class SyslogForwarder {
  sent = 0;
  errors = 0;
  private tcp?: Socket;
  private udp?: ReturnType<typeof createSocket>;

  constructor(private readonly target: SyslogTarget) {}

  send(findings: readonly StoredFinding[]): void {
    for (const f of findings) this.write(syslogMessage(f));
  }

  private write(msg: string): void {
    const bytes = Buffer.from(msg, 'utf8');
    if (this.target.transport === 'udp') {
      this.udp ??= createSocket(this.target.host.includes(':') ? 'udp6' : 'udp4').on('error', () => this.errors++);
      this.udp.send(bytes, this.target.port, this.target.host, (err) => (err ? this.errors++ : this.sent++));
      return;
    }
    if (!this.tcp || this.tcp.destroyed) {
      this.tcp = connect(this.target.port, this.target.host);
      this.tcp.on('error', () => {
        this.errors++;
        this.tcp?.destroy();
      });
    }
    this.tcp.write(Buffer.concat([Buffer.from(`${bytes.length} `), bytes]), (err) => (err ? this.errors++ : this.sent++));
  }

  close(): void {
    this.udp?.close();
    this.tcp?.end();
  }
}
