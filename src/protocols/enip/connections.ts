/**
 * Connections opened by Forward Open, remembered across flows: the Forward Open travels on TCP 44818, the
 * cyclic I/O it sets up on UDP 2222 (another flow, another decoder instance), so the table is shared by
 * every EtherNet/IP decoder of the process. Keyed by the target's IP and the connection id (ids are chosen
 * per device, so the same id on two targets is two connections); bounded, oldest dropped first.
 */
import { MAX_CONNECTIONS } from './constants.js';

export interface ConnectionInfo {
  /** 'ot' for the originator→target id, 'to' for target→originator. */
  dir: 'ot' | 'to';
  transportClass: number;
  originator: string;
  target: string;
  /** What the connection path addresses, e.g. "class 0x04 instance 100 connection point 150". */
  path: string;
  /** Actual packet interval in microseconds from the reply. */
  api: number;
  /** Serial triad: Forward Close removes by it. */
  key: string;
}

const table = new Map<string, ConnectionInfo>();

function k(targetIp: string, connId: number): string {
  return `${targetIp}|${connId >>> 0}`;
}

export function rememberConnection(connId: number, info: ConnectionInfo): void {
  const key = k(info.target, connId);
  table.delete(key);
  if (table.size >= MAX_CONNECTIONS) {
    const oldest = table.keys().next().value;
    if (oldest !== undefined) table.delete(oldest);
  }
  table.set(key, info);
}

/** The connection a datagram from `src` to `dst` with this id belongs to, whichever direction it runs. */
export function findConnection(connId: number, srcIp: string, dstIp: string): ConnectionInfo | undefined {
  const ot = table.get(k(dstIp, connId));
  if (ot && ot.dir === 'ot') return ot;
  const to = table.get(k(srcIp, connId));
  if (to && to.dir === 'to') return to;
  return undefined;
}

export function forgetConnection(targetIp: string, serialKey: string): void {
  for (const [key, info] of table) if (info.target === targetIp && info.key === serialKey) table.delete(key);
}

/** Tests start from an empty table. */
export function clearConnections(): void {
  table.clear();
}

export function connectionCount(): number {
  return table.size;
}
