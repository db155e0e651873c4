/**
 * A forward reader over one service's tagged fields: "is the next tag context tag n? read it" steps,
 * the shape every service production in clause 21 has. Never throws: a broken encoding sets `bad`
 * and every later read returns undefined.
 */
import { TAG_CHARACTER_STRING, TAG_OBJECT_ID } from './constants.js';
import {
  applicationValue,
  decodeCharString,
  decodeValues,
  newTag,
  readObjectId,
  readSigned,
  readTag,
  readUnsigned,
  tagEnd,
  type Tag,
  type Value,
  type ValueSink,
} from './tags.js';

export class Cursor {
  readonly t: Tag = newTag();
  bad: string | undefined;
  constructor(
    public buf: Buffer,
    public p: number,
    public end: number,
  ) {}

  /** Starts over on buf[p, end) (decodeService reuses one cursor for every service it decodes). */
  reset(buf: Buffer, p: number, end: number): this {
    this.buf = buf;
    this.p = p;
    this.end = end;
    this.bad = undefined;
    return this;
  }

  get done(): boolean {
    return this.bad !== undefined || this.p >= this.end;
  }

  /** Peeks the next tag into `t`; false at the end or on a broken header (which sets `bad`). */
  peek(): boolean {
    if (this.bad !== undefined || this.p >= this.end) return false;
    if (!readTag(this.buf, this.p, this.end, this.t)) {
      this.bad = 'tag runs past the end';
      return false;
    }
    return true;
  }

  private isContext(n: number): boolean {
    return this.peek() && this.t.context && !this.t.open && !this.t.close && this.t.num === n;
  }

  /** Context-tagged unsigned/enumerated [n], if next. */
  ctxUnsigned(n: number): number | undefined {
    if (!this.isContext(n)) return undefined;
    const v = readUnsigned(this.buf, this.t.start, Math.min(this.t.len, 8));
    this.p = tagEnd(this.t);
    return v;
  }

  ctxSigned(n: number): number | undefined {
    if (!this.isContext(n)) return undefined;
    const v = readSigned(this.buf, this.t.start, Math.min(this.t.len, 8));
    this.p = tagEnd(this.t);
    return v;
  }

  ctxBoolean(n: number): boolean | undefined {
    const v = this.ctxUnsigned(n);
    return v === undefined ? undefined : v !== 0;
  }

  /** Context-tagged object identifier [n], if next: type and instance in one number (tags.ts readObjectId). */
  ctxObjectId(n: number): number | undefined {
    if (!this.isContext(n)) return undefined;
    if (this.t.len !== 4) {
      this.bad = 'object identifier not 4 octets';
      return undefined;
    }
    const o = readObjectId(this.buf, this.t.start);
    this.p = tagEnd(this.t);
    return o;
  }

  ctxString(n: number): string | undefined {
    if (!this.isContext(n)) return undefined;
    const s = decodeCharString(this.buf, this.t.start, this.t.len).text;
    this.p = tagEnd(this.t);
    return s;
  }

  /** Skips context tag [n] without decoding it (used for passwords: never kept). True if it was there. */
  ctxSkip(n: number): boolean {
    if (!this.isContext(n)) return false;
    this.p = tagEnd(this.t);
    return true;
  }

  /** Any application-tagged primitive, if next. */
  app(sink?: ValueSink): Value | undefined {
    if (!this.peek() || this.t.context) return undefined;
    const v = applicationValue(this.buf, this.t, sink);
    this.p = tagEnd(this.t);
    return v;
  }

  appObjectId(): number | undefined {
    if (!this.peek() || this.t.context || this.t.num !== TAG_OBJECT_ID || this.t.len !== 4) return undefined;
    const o = readObjectId(this.buf, this.t.start);
    this.p = tagEnd(this.t);
    return o;
  }

  appString(): string | undefined {
    if (!this.peek() || this.t.context || this.t.num !== TAG_CHARACTER_STRING) return undefined;
    const s = decodeCharString(this.buf, this.t.start, this.t.len).text;
    this.p = tagEnd(this.t);
    return s;
  }

  /** Application tag number `num` read as unsigned (unsigned, enumerated) or signed. */
  appNumber(num: number, signed = false): number | undefined {
    if (!this.peek() || this.t.context || this.t.num !== num) return undefined;
    const len = Math.min(this.t.len, 8);
    const v = signed ? readSigned(this.buf, this.t.start, len) : readUnsigned(this.buf, this.t.start, len);
    this.p = tagEnd(this.t);
    return v;
  }

  /** Application octet string: its length (content not kept: file data). */
  appOctetLength(num: number): number | undefined {
    if (!this.peek() || this.t.context || this.t.num !== num) return undefined;
    const len = this.t.len;
    this.p = tagEnd(this.t);
    return len;
  }

  opening(n: number): boolean {
    if (!this.peek() || !this.t.open || this.t.num !== n) return false;
    this.p = this.t.start;
    return true;
  }

  closing(n: number): boolean {
    if (!this.peek() || !this.t.close || this.t.num !== n) return false;
    this.p = this.t.start;
    return true;
  }

  /** After opening tag [n]: the values up to and past its closing tag. */
  valuesUntilClose(n: number, sink: ValueSink): Value[] {
    const out: Value[] = [];
    if (this.bad !== undefined) return out;
    const q = decodeValues(this.buf, this.p, this.end, n, out, sink);
    if (q < 0) {
      this.bad = `value [${n}] not closed`;
      this.p = this.end;
    } else this.p = q;
    return out;
  }

  fail(why: string): void {
    this.bad ??= why;
  }
}
