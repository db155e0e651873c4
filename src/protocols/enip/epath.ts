/**
 * Padded EPATH (CIP Vol. 1 appendix C): the address of a request (class, instance, attribute, member,
 * connection point, Logix tag names) and the routes of Unconnected Send and Forward Open (port segments).
 * Pure functions over Buffers: never throw; a path that runs past its bytes is flagged `malformed`.
 */
import {
  DATA_ANSI_EXTENDED_SYMBOL,
  DATA_SIMPLE,
  ELECTRONIC_KEY_SEGMENT,
  LOGICAL_ATTRIBUTE,
  LOGICAL_CLASS,
  LOGICAL_CONNECTION_POINT,
  LOGICAL_FORMAT_MASK,
  LOGICAL_INSTANCE,
  LOGICAL_MEMBER,
  LOGICAL_SERVICE_ID,
  LOGICAL_SPECIAL,
  LOGICAL_TYPE_MASK,
  NETWORK_LENGTH_IN_WORDS,
  PORT_EXTENDED_LINK,
  PORT_ID_EXTENDED,
  PORT_ID_MASK,
  SEG_DATA,
  SEG_DATA_TYPE_CONSTRUCTED,
  SEG_DATA_TYPE_ELEMENTARY,
  SEG_LOGICAL,
  SEG_NETWORK,
  SEG_PORT,
  SEG_SYMBOLIC,
  SEG_TYPE_MASK,
} from './constants.js';

export interface EPath {
  /** Every class segment, in order (a routed or nested path can name several; the stats count each). */
  classes: number[];
  /** The first instance, attribute, member and connection point segments. */
  instance?: number;
  attribute?: number;
  member?: number;
  connectionPoint?: number;
  /** Logix tag name from symbolic segments, e.g. "Program:Main.Motor[3].Speed". */
  tag?: string;
  /** Port segments as "port/link" hops, e.g. ["1/0"] for backplane slot 0. */
  route?: string[];
  /** The logical segments in order, for details: ["class 0x8e", "instance 1", "class 0x74", "instance 1"]. */
  logical: string[];
  /** Electronic key (Forward Open connection paths). */
  key?: { vendor: number; deviceType: number; productCode: number; major: number; minor: number };
  malformed?: string;
}

/** Parse `words` 16-bit words of padded EPATH at buf[off]. `end` bounds the bytes available. */
export function parseEPath(buf: Buffer, off: number, words: number, end: number): EPath {
  const p: EPath = { classes: [], logical: [] };
  const stop = off + words * 2;
  if (stop > end) {
    p.malformed = `path of ${words} words runs past the message`;
  }
  const limit = Math.min(stop, end);
  let i = off;
  let tag = '';
  let lastWasSymbol = false;
  while (i < limit) {
    const seg = buf[i]!;
    const type = seg & SEG_TYPE_MASK;
    let next = -1;
    if (type === SEG_LOGICAL) {
      const format = seg & LOGICAL_FORMAT_MASK;
      const ltype = seg & LOGICAL_TYPE_MASK;
      if (seg === ELECTRONIC_KEY_SEGMENT) {
        // key format (1) then vendor, device type, product code (u16 each), major, minor revision
        next = i + 10;
        if (next <= limit && buf[i + 1] === 4) {
          p.key = {
            vendor: buf.readUInt16LE(i + 2),
            deviceType: buf.readUInt16LE(i + 4),
            productCode: buf.readUInt16LE(i + 6),
            major: buf[i + 8]! & 0x7f,
            minor: buf[i + 9]!,
          };
        }
      } else if (ltype === LOGICAL_SPECIAL || format === 3) {
        p.malformed = `unsupported logical segment 0x${seg.toString(16)}`;
        break;
      } else {
        let value: number;
        if (format === 0) {
          next = i + 2;
          value = next <= limit ? buf[i + 1]! : -1;
        } else if (format === 1) {
          next = i + 4; // pad byte, then u16
          value = next <= limit ? buf.readUInt16LE(i + 2) : -1;
        } else {
          next = i + 6; // pad byte, then u32
          value = next <= limit ? buf.readUInt32LE(i + 2) : -1;
        }
        if (value >= 0) {
          if (ltype === LOGICAL_CLASS) {
            p.classes.push(value);
            p.logical.push(`class ${hexClass(value)}`);
          } else if (ltype === LOGICAL_INSTANCE) {
            p.instance ??= value;
            p.logical.push(`instance ${value}`);
          } else if (ltype === LOGICAL_ATTRIBUTE) {
            p.attribute ??= value;
            p.logical.push(`attribute ${value}`);
          } else if (ltype === LOGICAL_CONNECTION_POINT) {
            p.connectionPoint ??= value;
            p.logical.push(`connection point ${value}`);
          } else if (ltype === LOGICAL_MEMBER) {
            // After a symbol, a member segment is an array element: Tag[3]
            if (lastWasSymbol || tag.endsWith(']')) tag += `[${value}]`;
            else {
              p.member ??= value;
              p.logical.push(`member ${value}`);
            }
          } else if (ltype === LOGICAL_SERVICE_ID) {
            // service id segments address a service, not an object: nothing to keep
          }
        }
      }
      lastWasSymbol = lastWasSymbol && ltype === LOGICAL_MEMBER;
    } else if (type === SEG_PORT) {
      let portId = seg & PORT_ID_MASK;
      let j = i + 1;
      let linkLen = 1;
      if (seg & PORT_EXTENDED_LINK) {
        if (j >= limit) {
          next = limit + 1;
        } else linkLen = buf[j++]!;
      }
      if (next < 0) {
        if (portId === PORT_ID_EXTENDED) {
          if (j + 2 > limit) next = limit + 1;
          else {
            portId = buf.readUInt16LE(j);
            j += 2;
          }
        }
      }
      if (next < 0) {
        const linkEnd = j + linkLen;
        if (linkEnd > limit) next = limit + 1;
        else {
          const link = linkLen === 1 ? String(buf[j]) : buf.toString('latin1', j, linkEnd).replace(/\0+$/, '');
          (p.route ??= []).push(`${portId}/${link}`);
          next = linkEnd + ((linkEnd - i) & 1); // padded to an even length
        }
      }
      lastWasSymbol = false;
    } else if (type === SEG_DATA) {
      if (seg === DATA_ANSI_EXTENDED_SYMBOL) {
        const len = i + 1 < limit ? buf[i + 1]! : 0;
        const s = i + 2;
        next = s + len + (len & 1);
        if (s + len <= limit) {
          const name = buf.toString('latin1', s, s + len);
          tag = tag === '' ? name : `${tag}.${name}`;
          lastWasSymbol = true;
        } else next = limit + 1;
      } else if (seg === DATA_SIMPLE) {
        const w = i + 1 < limit ? buf[i + 1]! : 0;
        next = i + 2 + w * 2;
        lastWasSymbol = false;
      } else {
        p.malformed = `unsupported data segment 0x${seg.toString(16)}`;
        break;
      }
    } else if (type === SEG_SYMBOLIC) {
      // symbolic segment: size in the low 5 bits (0 = extended format, not used by any device we know)
      const len = seg & 0x1f;
      if (len === 0) {
        p.malformed = 'extended symbolic segment';
        break;
      }
      const s = i + 1;
      next = s + len + ((1 + len) & 1);
      if (s + len <= limit) {
        const name = buf.toString('latin1', s, s + len);
        tag = tag === '' ? name : `${tag}.${name}`;
        lastWasSymbol = true;
      } else next = limit + 1;
    } else if (type === SEG_NETWORK) {
      if (seg & NETWORK_LENGTH_IN_WORDS) {
        const w = i + 1 < limit ? buf[i + 1]! : 0;
        next = i + 2 + w * 2;
      } else next = i + 2;
      lastWasSymbol = false;
    } else if (type === SEG_DATA_TYPE_CONSTRUCTED || type === SEG_DATA_TYPE_ELEMENTARY) {
      // data type segments appear in template/type descriptions, never in request paths we act on
      p.malformed = `data type segment 0x${seg.toString(16)} in a path`;
      break;
    } else {
      p.malformed = `reserved segment type 0x${seg.toString(16)}`;
      break;
    }
    if (next > limit) {
      p.malformed ??= `segment 0x${seg.toString(16)} runs past the path`;
      break;
    }
    i = next;
  }
  if (tag !== '') p.tag = tag;
  return p;
}

/** "class 0x01 instance 1 attribute 7" / "tag Motor.Speed" / "", in path order — for event details. */
export function describePath(p: EPath): string {
  const logical = p.logical.join(' ');
  if (p.tag === undefined) return logical;
  return logical === '' ? `tag ${p.tag}` : `tag ${p.tag} ${logical}`;
}

/** "0x%02x" (more digits for 16-bit classes), as the oracle writes classes. */
export function hexClass(c: number): string {
  return `0x${c.toString(16).padStart(2, '0')}`;
}
