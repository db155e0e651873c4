/** Shared by the API tests: a temp database, tokens, and a corpus capture to upload. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../src/store/store.js';
import { createToken } from '../../src/store/token-repository.js';
import { corpusAvailable, corpusPath } from './corpus.js';

/** Small Modbus capture (100 packets): client 192.168.1.6 writes to 3.15.227.20:502, plus loopback traffic. */
export const MODBUS_CAPTURE = corpusPath('modbus/icsnpp-modbus__modbus_example.pcap');
export { corpusAvailable };

export function tempDb(): { dir: string; db: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'otwatch-api-'));
  return { dir, db: join(dir, 'otwatch.db'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function tokens(db: string): { admin: string; viewer: string; revoked: string; revokedId: string } {
  const store = new Store(db);
  try {
    const admin = createToken(store.db, 'admin', 'test admin').token;
    const viewer = createToken(store.db, 'viewer').token;
    const r = createToken(store.db, 'admin');
    store.db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ?').run(new Date().toISOString(), r.info.id);
    return { admin, viewer, revoked: r.token, revokedId: r.info.id };
  } finally {
    store.close();
  }
}

export const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

/** A policy that puts the Modbus client and server of MODBUS_CAPTURE in two zones with no conduit. */
export const SPLIT_POLICY = `version: 1
name: api test
zones:
  - id: office
    name: Office
    level: 4
    sl_t: 2
    members:
      - cidr: 192.168.1.0/24
  - id: plc
    name: PLCs
    level: 1
    sl_t: 2
    members:
      - cidr: 3.15.227.0/24
conduits: []
`;

/** Multipart body with one file part (filename chosen by the caller: tests send hostile ones). */
export function multipartBody(content: Buffer, filename: string): { body: Buffer; headers: Record<string, string> } {
  const boundary = '----otwatchtest' + Math.random().toString(16).slice(2);
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="capture"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { body: Buffer.concat([head, content, tail]), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
