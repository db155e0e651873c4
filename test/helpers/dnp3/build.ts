/**
 * Builds DNP3 bytes from the specification (IEEE 1815-2012), for tests and the real-socket test: link
 * frames with their CRCs, an application fragment cut into transport segments. Not used by the pipeline.
 */
import { CTL_DIR, CTL_PRM, LINK_BLOCK_LEN, START_0, START_1 } from '../../../src/protocols/dnp3/constants.js';
import { dnp3Crc } from '../../../src/protocols/dnp3/crc.js';

/** Application bytes per transport segment: 250 user data octets minus the transport header. */
export const SEGMENT_PAYLOAD = 249;

/** One link frame: header with CRC, then user data in 16-octet blocks each followed by its CRC. */
export function linkFrame(control: number, destination: number, source: number, user: Buffer | number[] = []): Buffer {
  const data = Buffer.from(user);
  const header = Buffer.from([
    START_0,
    START_1,
    5 + data.length,
    control,
    destination & 0xff,
    destination >> 8,
    source & 0xff,
    source >> 8,
    0,
    0,
  ]);
  header.writeUInt16LE(dnp3Crc(header, 0, 8), 8);
  const parts: Buffer[] = [header];
  for (let p = 0; p < data.length; p += LINK_BLOCK_LEN) {
    const block = data.subarray(p, Math.min(p + LINK_BLOCK_LEN, data.length));
    const crc = Buffer.alloc(2);
    crc.writeUInt16LE(dnp3Crc(block, 0, block.length), 0);
    parts.push(block, crc);
  }
  return Buffer.concat(parts);
}

export interface FragmentOptions {
  /** Sent by the master (DIR set); default true. */
  fromMaster?: boolean;
  master?: number;
  outstation?: number;
  /** Transport sequence number of the first segment. */
  seq?: number;
  /** Link function: 4 unconfirmed user data (default) or 3 confirmed. */
  linkFunction?: number;
}

/** An application fragment (control, function, [IIN], objects) as the link frames that carry it. */
export function fragmentFrames(app: Buffer | number[], o: FragmentOptions = {}): Buffer[] {
  const bytes = Buffer.from(app);
  const fromMaster = o.fromMaster ?? true;
  const master = o.master ?? 1;
  const outstation = o.outstation ?? 10;
  const control = (fromMaster ? CTL_DIR : 0) | CTL_PRM | (o.linkFunction ?? 4);
  const frames: Buffer[] = [];
  let seq = o.seq ?? 0;
  for (let p = 0; p < bytes.length || p === 0; p += SEGMENT_PAYLOAD) {
    const end = Math.min(p + SEGMENT_PAYLOAD, bytes.length);
    const tr = (p === 0 ? 0x40 : 0) | (end === bytes.length ? 0x80 : 0) | (seq & 0x3f);
    frames.push(linkFrame(control, fromMaster ? outstation : master, fromMaster ? master : outstation, [tr, ...bytes.subarray(p, end)]));
    seq = (seq + 1) & 0x3f;
    if (bytes.length === 0) break;
  }
  return frames;
}

/** An application request: control (FIR, FIN, sequence), function code, objects. */
export function request(fc: number, objects: number[] = [], seq = 0): Buffer {
  return Buffer.from([0xc0 | (seq & 0x0f), fc, ...objects]);
}

/** An application response: control, function code, IIN (IIN1 high octet), objects. */
export function response(fc: number, iin: number, objects: number[] = [], seq = 0): Buffer {
  return Buffer.from([0xc0 | (seq & 0x0f), fc, iin >> 8, iin & 0xff, ...objects]);
}

/** A device attribute object (g0vN, qualifier 0x00, index 0..0): visible string. */
export function attribute(variation: number, text: string): number[] {
  const t = Buffer.from(text, 'latin1');
  return [0, variation, 0x00, 0, 0, 1, t.length, ...t];
}

/** A CROB (g12v1) with a 2-octet index prefix and 1-octet count (qualifier 0x28). */
export function crob(index: number, code: number, status = 0): number[] {
  return [12, 1, 0x28, 1, 0, index & 0xff, index >> 8, code, 1, 100, 0, 0, 0, 100, 0, 0, 0, status];
}
