/**
 * Service bodies (clause 21 productions) → records: which object and property, the values, the
 * identity an I-Am or a device-object read carries. Pure; never throws (the Cursor flags bad input).
 */
import {
  DCC_STATES,
  OBJECT_DEVICE,
  PDU_COMPLEX_ACK,
  PDU_CONFIRMED_REQUEST,
  PDU_ERROR,
  PDU_UNCONFIRMED_REQUEST,
  PROP_OBJECT_NAME,
  REINIT_STATES,
  SEGMENTATION_NAMES,
  SVC_ATOMIC_READ_FILE,
  SVC_ATOMIC_WRITE_FILE,
  SVC_CONFIRMED_COV_NOTIFICATION,
  SVC_CREATE_OBJECT,
  SVC_DELETE_OBJECT,
  SVC_DEVICE_COMMUNICATION_CONTROL,
  SVC_READ_PROPERTY,
  SVC_READ_PROPERTY_MULTIPLE,
  SVC_REINITIALIZE_DEVICE,
  SVC_SUBSCRIBE_COV,
  SVC_SUBSCRIBE_COV_PROPERTY,
  SVC_WRITE_PROPERTY,
  SVC_WRITE_PROPERTY_MULTIPLE,
  TAG_BOOLEAN,
  TAG_ENUMERATED,
  TAG_OCTET_STRING,
  TAG_SIGNED,
  TAG_UNSIGNED,
  USVC_I_AM,
  USVC_I_HAVE,
  USVC_TIME_SYNCHRONIZATION,
  USVC_UNCONFIRMED_COV_NOTIFICATION,
  USVC_UTC_TIME_SYNCHRONIZATION,
  USVC_WHO_HAS,
  USVC_WHO_IS,
} from './constants.js';
import { Cursor } from './cursor.js';
import { PROPERTIES } from './names.js';
import { objectIdString, objectIdText, objectInstance, objectType, type Value, type ValueSink } from './tags.js';

/** One property value met in a service (read results, written values, COV values). */
export interface PropertyValue {
  objectType: number;
  instance: number;
  property: number;
  index?: number;
  values: Value[];
}

export interface ServiceRecord {
  fields: Record<string, unknown>;
  detail?: string;
  /**
   * Values read back (ReadPropertyMultiple acks; ReadProperty acks only about a device object, the only
   * one identity.ts reads: a record per ack would be garbage for the rest): these describe the responder.
   */
  results: PropertyValue[] | undefined;
  iam: { instance: number; maxApdu: number; segmentation: number; vendorId: number } | undefined;
  /** I-Have: the device that has the object. */
  ihaveDevice: number | undefined;
  /** Every object-name value met (Who-Has/I-Have names, values of property object-name). */
  objectNames: string[] | undefined;
  /** Every character string in the property values of a ReadProperty(Multiple) ack (undefined: none). */
  charStrings: string[] | undefined;
  malformed: string | undefined;
}

/** A record for decodeService to fill (every member present from the start: one object shape whatever the service). */
export function newServiceRecord(): ServiceRecord {
  return {
    fields: {},
    detail: undefined,
    results: undefined,
    iam: undefined,
    ihaveDevice: undefined,
    objectNames: undefined,
    charStrings: undefined,
    malformed: undefined,
  };
}

export function propertyName(id: number): string {
  return PROPERTIES.get(id) ?? `property-${id}`;
}

/**
 * Decodes the service data of an APDU (the reassembled data for segmented messages) into `rec` (the
 * decoder passes a scratch record: it reads it before the next datagram). The service's fields are added
 * to `fields` (the event's own, so that they need no copying there).
 */
export function decodeService(
  type: number,
  service: number,
  buf: Buffer,
  off: number,
  end: number,
  fields: Record<string, unknown> = {},
  rec: ServiceRecord = newServiceRecord(),
): ServiceRecord {
  const c = CURSOR.reset(buf, off, end);
  rec.fields = fields;
  rec.detail = rec.results = rec.iam = rec.ihaveDevice = rec.objectNames = rec.charStrings = rec.malformed = undefined;
  if (type === PDU_CONFIRMED_REQUEST) confirmedRequest(service, c, rec);
  else if (type === PDU_UNCONFIRMED_REQUEST) unconfirmedRequest(service, c, rec);
  else if (type === PDU_COMPLEX_ACK) complexAck(service, c, rec);
  else if (type === PDU_ERROR) errorPdu(c, rec);
  if (c.bad !== undefined) rec.malformed = c.bad;
  return rec;
}

/** The one cursor decodeService walks services with (decoding is synchronous and never re-entered). */
const CURSOR = new Cursor(Buffer.alloc(0), 0, 0);

/**
 * The value sink, started afresh: one object for every value list decoded (each use ends before the next
 * starts). The strings it collects go to the record (a new array each time: they are kept).
 */
function valueSink(keepStrings: boolean): ValueSink {
  SINK.count = 0;
  SINK.keepStrings = keepStrings;
  SINK.strings = undefined;
  return SINK;
}

const SINK: ValueSink = { count: 0, keepStrings: false, strings: undefined };

function confirmedRequest(service: number, c: Cursor, rec: ServiceRecord): void {
  switch (service) {
    case SVC_READ_PROPERTY: {
      const o = c.ctxObjectId(0);
      const prop = c.ctxUnsigned(1);
      const index = c.ctxUnsigned(2);
      if (o === undefined || prop === undefined) return c.fail('readProperty without object or property');
      setRef(rec, o, prop, index);
      return;
    }
    case SVC_READ_PROPERTY_MULTIPLE: {
      const specs: string[] = [];
      while (!c.done) {
        const o = c.ctxObjectId(0);
        if (o === undefined || !c.opening(1)) return c.fail('readAccessSpecification');
        while (!c.done && !c.closing(1)) {
          const prop = c.ctxUnsigned(0);
          if (prop === undefined) return c.fail('propertyReference');
          const index = c.ctxUnsigned(1);
          if (specs.length < 64) specs.push(`${objectIdText(o)}.${propertyName(prop)}${index !== undefined ? `[${index}]` : ''}`);
        }
      }
      rec.fields.references = specs;
      rec.detail = specs.slice(0, 3).join(', ') + (specs.length > 3 ? ` (+${specs.length - 3})` : '');
      return;
    }
    case SVC_WRITE_PROPERTY: {
      const o = c.ctxObjectId(0);
      const prop = c.ctxUnsigned(1);
      const index = c.ctxUnsigned(2);
      if (o === undefined || prop === undefined || !c.opening(3)) return c.fail('writeProperty header');
      const values = c.valuesUntilClose(3, valueSink(false));
      const priority = c.ctxUnsigned(4);
      setRef(rec, o, prop, index);
      rec.fields.values = values;
      if (priority !== undefined) rec.fields.priority = priority;
      noteName(rec, prop, values);
      return;
    }
    case SVC_WRITE_PROPERTY_MULTIPLE: {
      const writes: PropertyValue[] = [];
      while (!c.done) {
        const o = c.ctxObjectId(0);
        if (o === undefined || !c.opening(1)) return c.fail('writeAccessSpecification');
        while (!c.done && !c.closing(1)) {
          const prop = c.ctxUnsigned(0);
          const index = c.ctxUnsigned(1);
          if (prop === undefined || !c.opening(2)) return c.fail('propertyValue');
          const values = c.valuesUntilClose(2, valueSink(false));
          c.ctxUnsigned(3); // priority
          noteName(rec, prop, values);
          if (writes.length < 64) writes.push(pv(o, prop, index, values));
        }
      }
      rec.fields.writes = writes.map(jsonPv);
      rec.detail = writes
        .slice(0, 3)
        .map((w) => `${objectIdString(w.objectType, w.instance)}.${propertyName(w.property)}`)
        .join(', ');
      return;
    }
    case SVC_DEVICE_COMMUNICATION_CONTROL: {
      const duration = c.ctxUnsigned(0);
      const state = c.ctxUnsigned(1);
      // The password is a secret: record only that one was sent.
      const password = c.ctxSkip(2);
      if (state === undefined) return c.fail('deviceCommunicationControl without state');
      rec.fields.state = DCC_STATES[state] ?? state;
      if (duration !== undefined) rec.fields.duration_min = duration;
      rec.fields.password_present = password;
      rec.detail = `${rec.fields.state}${duration !== undefined ? ` for ${duration} min` : ''}`;
      return;
    }
    case SVC_REINITIALIZE_DEVICE: {
      const state = c.ctxUnsigned(0);
      const password = c.ctxSkip(1); // never kept
      if (state === undefined) return c.fail('reinitializeDevice without state');
      rec.fields.state = REINIT_STATES[state] ?? state;
      rec.fields.password_present = password;
      rec.detail = String(rec.fields.state);
      return;
    }
    case SVC_ATOMIC_READ_FILE: {
      const file = c.appObjectId();
      if (file === undefined) return c.fail('atomicReadFile without file');
      rec.fields.object = objectIdText(file);
      if (c.opening(0)) {
        rec.fields.access = 'stream';
        rec.fields.start = c.appNumber(TAG_SIGNED, true);
        rec.fields.count = c.appNumber(TAG_UNSIGNED);
        if (!c.closing(0)) c.fail('streamAccess not closed');
      } else if (c.opening(1)) {
        rec.fields.access = 'record';
        rec.fields.start = c.appNumber(TAG_SIGNED, true);
        rec.fields.count = c.appNumber(TAG_UNSIGNED);
        if (!c.closing(1)) c.fail('recordAccess not closed');
      } else c.fail('atomicReadFile access');
      rec.detail = `${rec.fields.object} ${rec.fields.access} @${rec.fields.start} n=${rec.fields.count}`;
      return;
    }
    case SVC_ATOMIC_WRITE_FILE: {
      const file = c.appObjectId();
      if (file === undefined) return c.fail('atomicWriteFile without file');
      rec.fields.object = objectIdText(file);
      if (c.opening(0)) {
        rec.fields.access = 'stream';
        rec.fields.start = c.appNumber(TAG_SIGNED, true);
        rec.fields.bytes = c.appOctetLength(TAG_OCTET_STRING);
        if (!c.closing(0)) c.fail('streamAccess not closed');
      } else if (c.opening(1)) {
        rec.fields.access = 'record';
        rec.fields.start = c.appNumber(TAG_SIGNED, true);
        const count = c.appNumber(TAG_UNSIGNED) ?? 0;
        let bytes = 0;
        for (let i = 0; i < count && !c.done; i++) bytes += c.appOctetLength(TAG_OCTET_STRING) ?? 0;
        rec.fields.records = count;
        rec.fields.bytes = bytes;
        if (!c.closing(1)) c.fail('recordAccess not closed');
      } else c.fail('atomicWriteFile access');
      rec.detail = `${rec.fields.object} ${rec.fields.access} @${rec.fields.start} ${rec.fields.bytes} bytes`;
      return;
    }
    case SVC_SUBSCRIBE_COV:
    case SVC_SUBSCRIBE_COV_PROPERTY: {
      const pid = c.ctxUnsigned(0);
      const o = c.ctxObjectId(1);
      if (pid === undefined || o === undefined) return c.fail('subscribeCOV header');
      rec.fields.process_id = pid;
      rec.fields.object = objectIdText(o);
      const confirmed = c.ctxBoolean(2);
      const lifetime = c.ctxUnsigned(3);
      if (confirmed !== undefined) rec.fields.confirmed = confirmed;
      // Without the optional fields the request cancels the subscription (13.14.1.1.4).
      rec.fields.cancel = confirmed === undefined && lifetime === undefined;
      if (lifetime !== undefined) rec.fields.lifetime_s = lifetime;
      if (rec.fields.cancel === false || service === SVC_SUBSCRIBE_COV_PROPERTY) {
        if (service === SVC_SUBSCRIBE_COV_PROPERTY && c.opening(4)) {
          const prop = c.ctxUnsigned(0);
          c.ctxUnsigned(1);
          if (c.closing(4) && prop !== undefined) rec.fields.property = propertyName(prop);
          rec.fields.cancel = false;
        }
      }
      rec.detail = `${rec.fields.object}${rec.fields.property ? `.${rec.fields.property}` : ''}${rec.fields.cancel ? ' cancel' : ''}`;
      return;
    }
    case SVC_CREATE_OBJECT: {
      if (!c.opening(0)) return c.fail('createObject specifier');
      const type = c.ctxUnsigned(0);
      const o = type === undefined ? c.ctxObjectId(1) : undefined;
      if (!c.closing(0)) return c.fail('createObject specifier not closed');
      rec.fields.object = o !== undefined ? objectIdText(o) : objectIdString(type ?? -1, -1).replace(/:-1$/, '');
      if (c.opening(1)) {
        const initial: { property: string; values: Value[] }[] = [];
        while (!c.done && !c.closing(1)) {
          const prop = c.ctxUnsigned(0);
          c.ctxUnsigned(1); // the array index of the initial value: read past, not reported
          if (prop === undefined || !c.opening(2)) return c.fail('createObject initial value');
          const values = c.valuesUntilClose(2, valueSink(false));
          c.ctxUnsigned(3);
          noteName(rec, prop, values);
          if (initial.length < 64) initial.push({ property: propertyName(prop), values });
        }
        rec.fields.initial_values = initial;
      }
      rec.detail = String(rec.fields.object);
      return;
    }
    case SVC_DELETE_OBJECT: {
      const o = c.appObjectId();
      if (o === undefined) return c.fail('deleteObject without object');
      rec.fields.object = objectIdText(o);
      rec.detail = String(rec.fields.object);
      return;
    }
    case SVC_CONFIRMED_COV_NOTIFICATION:
      return covNotification(c, rec);
  }
}

function unconfirmedRequest(service: number, c: Cursor, rec: ServiceRecord): void {
  switch (service) {
    case USVC_I_AM: {
      const o = c.appObjectId();
      const maxApdu = c.appNumber(TAG_UNSIGNED);
      const seg = c.appNumber(TAG_ENUMERATED);
      const vendorId = c.appNumber(TAG_UNSIGNED);
      if (o === undefined || maxApdu === undefined || seg === undefined || vendorId === undefined) return c.fail('i-Am fields');
      const instance = objectInstance(o);
      rec.iam = { instance, maxApdu, segmentation: seg, vendorId };
      rec.fields.device_instance = instance;
      if (objectType(o) !== OBJECT_DEVICE) rec.fields.object = objectIdText(o);
      rec.fields.max_apdu = maxApdu;
      rec.fields.segmentation = SEGMENTATION_NAMES[seg] ?? seg;
      rec.fields.vendor_id = vendorId;
      rec.detail = `device ${instance} vendor ${vendorId}`;
      return;
    }
    case USVC_WHO_IS: {
      const low = c.ctxUnsigned(0);
      const high = c.ctxUnsigned(1);
      if (low !== undefined) rec.fields.low = low;
      if (high !== undefined) rec.fields.high = high;
      rec.detail = low !== undefined ? `devices ${low}-${high}` : 'all devices';
      return;
    }
    case USVC_WHO_HAS: {
      const low = c.ctxUnsigned(0);
      const high = c.ctxUnsigned(1);
      if (low !== undefined) rec.fields.low = low;
      if (high !== undefined) rec.fields.high = high;
      const o = c.ctxObjectId(2);
      if (o !== undefined) rec.fields.object = objectIdText(o);
      else {
        const name = c.ctxString(3);
        if (name === undefined) return c.fail('who-Has without object');
        rec.fields.object_name = name;
        (rec.objectNames ??= []).push(name);
      }
      rec.detail = String(rec.fields.object ?? rec.fields.object_name);
      return;
    }
    case USVC_I_HAVE: {
      const dev = c.appObjectId();
      const o = c.appObjectId();
      const name = c.appString();
      if (dev === undefined || o === undefined || name === undefined) return c.fail('i-Have fields');
      rec.ihaveDevice = objectInstance(dev);
      rec.fields.device_instance = rec.ihaveDevice;
      rec.fields.object = objectIdText(o);
      rec.fields.object_name = name;
      (rec.objectNames ??= []).push(name);
      rec.detail = `${rec.fields.object} "${name}"`;
      return;
    }
    case USVC_TIME_SYNCHRONIZATION:
    case USVC_UTC_TIME_SYNCHRONIZATION: {
      const date = c.app();
      const time = c.app();
      if (!c.t.context && typeof date === 'string' && typeof time === 'string') {
        rec.fields.time = `${date} ${time}`;
        rec.detail = String(rec.fields.time);
      } else c.fail('time synchronization fields');
      return;
    }
    case USVC_UNCONFIRMED_COV_NOTIFICATION:
      return covNotification(c, rec);
  }
}

function complexAck(service: number, c: Cursor, rec: ServiceRecord): void {
  switch (service) {
    case SVC_READ_PROPERTY: {
      const o = c.ctxObjectId(0);
      const prop = c.ctxUnsigned(1);
      const index = c.ctxUnsigned(2);
      if (o === undefined || prop === undefined || !c.opening(3)) return c.fail('readProperty-ACK header');
      const sink = valueSink(true);
      const values = c.valuesUntilClose(3, sink);
      setRef(rec, o, prop, index);
      rec.fields.values = values;
      if (objectType(o) === OBJECT_DEVICE) rec.results = [pv(o, prop, index, values)];
      rec.charStrings = sink.strings;
      noteName(rec, prop, values);
      return;
    }
    case SVC_READ_PROPERTY_MULTIPLE: {
      const results: PropertyValue[] = [];
      const errors: string[] = [];
      const sink = valueSink(true);
      while (!c.done) {
        const o = c.ctxObjectId(0);
        if (o === undefined || !c.opening(1)) return c.fail('readAccessResult');
        while (!c.done && !c.closing(1)) {
          const prop = c.ctxUnsigned(2);
          const index = c.ctxUnsigned(3);
          if (prop === undefined) return c.fail('readAccessResult property');
          if (c.opening(4)) {
            sink.count = 0;
            const values = c.valuesUntilClose(4, sink);
            noteName(rec, prop, values);
            if (results.length < 256) results.push(pv(o, prop, index, values));
          } else if (c.opening(5)) {
            const cls = c.appNumber(TAG_ENUMERATED);
            const code = c.appNumber(TAG_ENUMERATED);
            if (!c.closing(5)) return c.fail('propertyAccessError not closed');
            if (errors.length < 64) errors.push(`${objectIdText(o)}.${propertyName(prop)}: ${cls}/${code}`);
          } else return c.fail('readResult');
        }
      }
      rec.results = results;
      rec.charStrings = sink.strings;
      rec.fields.results = results.slice(0, 64).map(jsonPv);
      if (errors.length) rec.fields.errors = errors;
      rec.detail = `${results.length} values${errors.length ? `, ${errors.length} errors` : ''}`;
      return;
    }
    case SVC_ATOMIC_READ_FILE: {
      const eof = c.appNumber(TAG_BOOLEAN);
      // Application boolean keeps its value in the LVT: appNumber read 0 octets, so take it from the tag.
      rec.fields.end_of_file = eof !== undefined ? c.t.lvt !== 0 : undefined;
      if (c.opening(0)) {
        rec.fields.start = c.appNumber(TAG_SIGNED, true);
        rec.fields.bytes = c.appOctetLength(TAG_OCTET_STRING);
        if (!c.closing(0)) c.fail('streamAccess not closed');
      } else if (c.opening(1)) {
        rec.fields.start = c.appNumber(TAG_SIGNED, true);
        const count = c.appNumber(TAG_UNSIGNED) ?? 0;
        let bytes = 0;
        for (let i = 0; i < count && !c.done; i++) bytes += c.appOctetLength(TAG_OCTET_STRING) ?? 0;
        rec.fields.records = count;
        rec.fields.bytes = bytes;
        if (!c.closing(1)) c.fail('recordAccess not closed');
      }
      return;
    }
    case SVC_ATOMIC_WRITE_FILE: {
      const start = c.ctxSigned(0) ?? c.ctxSigned(1);
      if (start !== undefined) rec.fields.start = start;
      return;
    }
    case SVC_CREATE_OBJECT: {
      const o = c.appObjectId();
      if (o !== undefined) rec.fields.object = objectIdText(o);
      return;
    }
  }
}

/** Error-PDU body: error class and code (most services; a few wrap them in [0]). */
function errorPdu(c: Cursor, rec: ServiceRecord): void {
  const wrapped = c.opening(0);
  const cls = c.appNumber(TAG_ENUMERATED);
  const code = c.appNumber(TAG_ENUMERATED);
  if (cls === undefined || code === undefined) return c.fail('error class/code');
  if (wrapped) c.closing(0);
  rec.fields.error_class = cls;
  rec.fields.error_code = code;
  rec.detail = `error ${cls}/${code}`;
}

function covNotification(c: Cursor, rec: ServiceRecord): void {
  const pid = c.ctxUnsigned(0);
  const dev = c.ctxObjectId(1);
  const o = c.ctxObjectId(2);
  const remaining = c.ctxUnsigned(3);
  if (pid === undefined || dev === undefined || o === undefined || !c.opening(4)) return c.fail('COV notification header');
  rec.fields.process_id = pid;
  rec.fields.device_instance = objectInstance(dev);
  rec.fields.object = objectIdText(o);
  if (remaining !== undefined) rec.fields.time_remaining_s = remaining;
  const values: PropertyValue[] = [];
  while (!c.done && !c.closing(4)) {
    const prop = c.ctxUnsigned(0);
    const index = c.ctxUnsigned(1);
    if (prop === undefined || !c.opening(2)) return c.fail('COV property value');
    const v = c.valuesUntilClose(2, valueSink(false));
    c.ctxUnsigned(3);
    noteName(rec, prop, v);
    if (values.length < 64) values.push(pv(o, prop, index, v));
  }
  rec.fields.values = values.map(jsonPv);
  rec.detail = String(rec.fields.object);
}

function setRef(rec: ServiceRecord, o: number, prop: number, index: number | undefined): void {
  const object = objectIdText(o);
  const property = propertyName(prop);
  rec.fields.object = object;
  rec.fields.property = property;
  if (index !== undefined) rec.fields.index = index;
  rec.detail = index !== undefined ? `${object}.${property}[${index}]` : refText(object, prop, property);
}

/** "analog-input:1.present-value", built once per object text and property (the object texts are shared). */
function refText(object: string, prop: number, property: string): string {
  let byProp = REF_TEXTS.get(object);
  if (byProp === undefined) {
    if (REF_TEXTS.size >= MAX_REF_OBJECTS) REF_TEXTS.clear();
    byProp = new Map();
    REF_TEXTS.set(object, byProp);
  }
  let text = byProp.get(prop);
  if (text === undefined) {
    text = `${object}.${property}`;
    if (byProp.size >= MAX_REF_PROPERTIES) byProp.clear();
    byProp.set(prop, text);
  }
  return text;
}

const REF_TEXTS = new Map<string, Map<number, string>>();
const MAX_REF_OBJECTS = 16384;
const MAX_REF_PROPERTIES = 1024;

function pv(o: number, property: number, index: number | undefined, values: Value[]): PropertyValue {
  const type = objectType(o);
  const instance = objectInstance(o);
  return index === undefined ? { objectType: type, instance, property, values } : { objectType: type, instance, property, index, values };
}

function jsonPv(p: PropertyValue): object {
  return {
    object: objectIdString(p.objectType, p.instance),
    property: propertyName(p.property),
    ...(p.index !== undefined ? { index: p.index } : {}),
    values: p.values,
  };
}

/** Object names count wherever a value of property object-name appears. */
function noteName(rec: ServiceRecord, prop: number, values: Value[]): void {
  if (prop !== PROP_OBJECT_NAME) return;
  for (const v of values) if (typeof v === 'string') (rec.objectNames ??= []).push(v);
}
