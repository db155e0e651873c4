/**
 * Decoding of message bodies with node-opcua (lazy, see lib.ts), reduced to small JSON-serialisable
 * summaries: otwatch keeps what identifies applications, endpoints and security, never secrets (a
 * UserNameIdentityToken's password is decoded by node-opcua and dropped here, never copied).
 * Every function catches what node-opcua throws on hostile input and returns undefined or an error.
 */
import {
  APPLICATION_TYPE_NAMES,
  IDENTITY_TOKEN_AUTH,
  MAX_KEPT_STRING,
  MAX_LISTED_ENDPOINTS,
  MAX_LISTED_NODES,
  REQUEST_TYPE_NAMES,
  USER_TOKEN_TYPE_NAMES,
} from './constants.js';
import { quietly, type OpcuaLib } from './lib.js';
import {
  SERVICE_ACTIVATE_SESSION_REQUEST,
  SERVICE_CALL_REQUEST,
  SERVICE_CREATE_SESSION_REQUEST,
  SERVICE_CREATE_SESSION_RESPONSE,
  SERVICE_FIND_SERVERS_REQUEST,
  SERVICE_FIND_SERVERS_RESPONSE,
  SERVICE_GET_ENDPOINTS_REQUEST,
  SERVICE_GET_ENDPOINTS_RESPONSE,
  SERVICE_OPEN_SECURE_CHANNEL_REQUEST,
  SERVICE_OPEN_SECURE_CHANNEL_RESPONSE,
  SERVICE_REGISTER_SERVER2_REQUEST,
  SERVICE_REGISTER_SERVER_REQUEST,
  SERVICE_WRITE_REQUEST,
} from './services.js';

// node-opcua's decoded objects, read defensively field by field.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

export interface ApplicationSummary {
  applicationUri?: string;
  productUri?: string;
  name?: string;
  type?: string;
  discoveryUrls?: string[];
}

export interface EndpointSummary {
  url?: string;
  securityMode?: number;
  securityPolicyUri?: string;
  securityLevel?: number;
  /** User token types accepted ('anonymous', 'username', 'certificate', 'issued'). */
  userTokenTypes: string[];
  /** Security policy URIs of the user token policies (non-empty ones). */
  userTokenPolicyUris: string[];
  transportProfileUri?: string;
  hasServerCertificate: boolean;
  server?: ApplicationSummary;
}

/** Services whose bodies otwatch decodes in full; every other body is named by its type id only. */
export const DECODED_SERVICES: ReadonlySet<number> = new Set([
  SERVICE_OPEN_SECURE_CHANNEL_REQUEST,
  SERVICE_OPEN_SECURE_CHANNEL_RESPONSE,
  SERVICE_FIND_SERVERS_REQUEST,
  SERVICE_FIND_SERVERS_RESPONSE,
  SERVICE_GET_ENDPOINTS_REQUEST,
  SERVICE_GET_ENDPOINTS_RESPONSE,
  SERVICE_REGISTER_SERVER_REQUEST,
  SERVICE_REGISTER_SERVER2_REQUEST,
  SERVICE_CREATE_SESSION_REQUEST,
  SERVICE_CREATE_SESSION_RESPONSE,
  SERVICE_ACTIVATE_SESSION_REQUEST,
  SERVICE_WRITE_REQUEST,
  SERVICE_CALL_REQUEST,
]);

/** A string as kept: null/empty → undefined, long ones cut. */
export function keepString(v: unknown): string | undefined {
  if (typeof v !== 'string' || v.length === 0) return undefined;
  return v.length > MAX_KEPT_STRING ? v.slice(0, MAX_KEPT_STRING) : v;
}

function keepStrings(v: unknown, max: number): string[] {
  if (!Array.isArray(v)) return [];
  const out: string[] = [];
  for (const s of v) {
    const k = keepString(s);
    if (k !== undefined) out.push(k);
    if (out.length >= max) break;
  }
  return out;
}

function localizedText(v: unknown): string | undefined {
  return v && typeof v === 'object' ? keepString((v as Obj).text) : undefined;
}

function nodeIdText(v: unknown): string | undefined {
  if (!v || typeof v !== 'object' || typeof (v as Obj).toString !== 'function') return undefined;
  return keepString(String(v));
}

function isBuffer(v: unknown): boolean {
  return Buffer.isBuffer(v) && v.length > 0;
}

function application(v: unknown): ApplicationSummary | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const a = v as Obj;
  const s: ApplicationSummary = {};
  const uri = keepString(a.applicationUri);
  if (uri !== undefined) s.applicationUri = uri;
  const product = keepString(a.productUri);
  if (product !== undefined) s.productUri = product;
  const name = localizedText(a.applicationName);
  if (name !== undefined) s.name = name;
  if (typeof a.applicationType === 'number') s.type = APPLICATION_TYPE_NAMES[a.applicationType] ?? String(a.applicationType);
  const urls = keepStrings(a.discoveryUrls, MAX_LISTED_ENDPOINTS);
  if (urls.length) s.discoveryUrls = urls;
  return s;
}

function endpoint(v: unknown): EndpointSummary | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const e = v as Obj;
  const s: EndpointSummary = {
    userTokenTypes: [],
    userTokenPolicyUris: [],
    hasServerCertificate: isBuffer(e.serverCertificate),
  };
  const url = keepString(e.endpointUrl);
  if (url !== undefined) s.url = url;
  if (typeof e.securityMode === 'number') s.securityMode = e.securityMode;
  const policy = keepString(e.securityPolicyUri);
  if (policy !== undefined) s.securityPolicyUri = policy;
  if (typeof e.securityLevel === 'number') s.securityLevel = e.securityLevel;
  const profile = keepString(e.transportProfileUri);
  if (profile !== undefined) s.transportProfileUri = profile;
  if (Array.isArray(e.userIdentityTokens)) {
    for (const t of e.userIdentityTokens as Obj[]) {
      if (!t) continue;
      const type = typeof t.tokenType === 'number' ? (USER_TOKEN_TYPE_NAMES[t.tokenType] ?? String(t.tokenType)) : undefined;
      if (type !== undefined && !s.userTokenTypes.includes(type)) s.userTokenTypes.push(type);
      const p = keepString(t.securityPolicyUri);
      if (p !== undefined) s.userTokenPolicyUris.push(p);
    }
  }
  const server = application(e.server);
  if (server) s.server = server;
  return s;
}

function endpoints(v: unknown): EndpointSummary[] {
  const out: EndpointSummary[] = [];
  if (!Array.isArray(v)) return out;
  for (const e of v) {
    const s = endpoint(e);
    if (s) out.push(s);
    if (out.length >= MAX_LISTED_ENDPOINTS) break;
  }
  return out;
}

/** The auth kind of an ActivateSession identity token, from its decoded class or its encoding id. */
function identityAuth(token: unknown): string {
  if (!token || typeof token !== 'object') return 'anonymous'; // a null token means anonymous (Part 4 5.6.3)
  switch ((token as object).constructor?.name) {
    case 'AnonymousIdentityToken':
      return 'anonymous';
    case 'UserNameIdentityToken':
      return 'username';
    case 'X509IdentityToken':
      return 'certificate';
    case 'IssuedIdentityToken':
      return 'issued';
    default: {
      const id = (token as Obj).schema?.encodingDefaultBinary?.value;
      return typeof id === 'number' ? (IDENTITY_TOKEN_AUTH[id] ?? 'unknown') : 'unknown';
    }
  }
}

/** A RegisterServer(2) request's RegisteredServer, as kept. */
export interface RegisteredServerSummary {
  serverUri?: string;
  productUri?: string;
  /** The first non-empty of its serverNames. */
  name?: string;
  /** serverType: ApplicationType name. */
  type?: string;
  /** discoveryUrls: set on every summary (empty when none), after the members above. */
  discoveryUrls?: string[];
}

/** One method of a CallRequest's methodsToCall: its node ids as text (absent when not a node id). */
export interface CallSummary {
  objectId?: string;
  methodId?: string;
}

/**
 * The summary of one decoded service body: the members summarise sets, copied into the event's fields (each
 * member's service and field named; node-opcua decodes the body, these keep what identifies and secures).
 */
export interface BodySummary {
  /** OpenSecureChannelRequest: requestType ('Issue', 'Renew', else the number as text), securityMode (MessageSecurityMode), whether a clientNonce was sent. */
  requestType?: string;
  securityMode?: number;
  hasClientNonce?: boolean;
  /** OpenSecureChannelResponse: securityToken.channelId, tokenId and revisedLifetime (ms). */
  secureChannelId?: number;
  tokenId?: number;
  revisedLifetime?: number;
  /** FindServers, GetEndpoints and CreateSession requests: endpointUrl. */
  endpointUrl?: string;
  /** FindServersResponse: servers; CreateSessionRequest: [clientDescription]. */
  applications?: ApplicationSummary[];
  /** GetEndpointsResponse: endpoints; CreateSessionResponse: serverEndpoints. */
  endpoints?: EndpointSummary[];
  /** RegisterServer(2)Request: server. */
  registeredServer?: RegisteredServerSummary;
  /** CreateSessionRequest: whether a clientCertificate was sent, sessionName, serverUri. */
  hasClientCertificate?: boolean;
  sessionName?: string;
  serverUri?: string;
  /** CreateSessionResponse: whether a serverCertificate was sent. */
  hasServerCertificate?: boolean;
  /** ActivateSessionRequest: the userIdentityToken's kind ('anonymous', 'username', 'certificate', 'issued', 'unknown') and its policyId. */
  auth?: string;
  userTokenPolicyId?: string;
  /** WriteRequest: nodesToWrite count and the first node ids; CallRequest: methodsToCall count and the first calls. */
  count?: number;
  nodeIds?: string[];
  calls?: CallSummary[];
}

function summarise(typeId: number, o: Obj): BodySummary {
  switch (typeId) {
    case SERVICE_OPEN_SECURE_CHANNEL_REQUEST:
      return {
        requestType: REQUEST_TYPE_NAMES[o.requestType] ?? String(o.requestType),
        securityMode: o.securityMode,
        hasClientNonce: isBuffer(o.clientNonce),
      };
    case SERVICE_OPEN_SECURE_CHANNEL_RESPONSE: {
      const t = (o.securityToken ?? {}) as Obj;
      return { secureChannelId: t.channelId, tokenId: t.tokenId, revisedLifetime: t.revisedLifetime };
    }
    case SERVICE_FIND_SERVERS_REQUEST:
    case SERVICE_GET_ENDPOINTS_REQUEST: {
      const s: BodySummary = {};
      const url = keepString(o.endpointUrl);
      if (url !== undefined) s.endpointUrl = url;
      return s;
    }
    case SERVICE_FIND_SERVERS_RESPONSE: {
      const apps: ApplicationSummary[] = [];
      if (Array.isArray(o.servers)) {
        for (const a of o.servers) {
          const s = application(a);
          if (s) apps.push(s);
          if (apps.length >= MAX_LISTED_ENDPOINTS) break;
        }
      }
      return { applications: apps };
    }
    case SERVICE_GET_ENDPOINTS_RESPONSE:
      return { endpoints: endpoints(o.endpoints) };
    case SERVICE_REGISTER_SERVER_REQUEST:
    case SERVICE_REGISTER_SERVER2_REQUEST: {
      const r = (o.server ?? {}) as Obj;
      const reg: RegisteredServerSummary = {};
      const uri = keepString(r.serverUri);
      if (uri !== undefined) reg.serverUri = uri;
      const product = keepString(r.productUri);
      if (product !== undefined) reg.productUri = product;
      const names = Array.isArray(r.serverNames) ? r.serverNames.map(localizedText).filter((x: unknown) => x) : [];
      if (names.length) reg.name = names[0];
      if (typeof r.serverType === 'number') reg.type = APPLICATION_TYPE_NAMES[r.serverType] ?? String(r.serverType);
      reg.discoveryUrls = keepStrings(r.discoveryUrls, MAX_LISTED_ENDPOINTS);
      return { registeredServer: reg };
    }
    case SERVICE_CREATE_SESSION_REQUEST: {
      const s: BodySummary = { hasClientCertificate: isBuffer(o.clientCertificate) };
      const app = application(o.clientDescription);
      if (app) s.applications = [app];
      const url = keepString(o.endpointUrl);
      if (url !== undefined) s.endpointUrl = url;
      const name = keepString(o.sessionName);
      if (name !== undefined) s.sessionName = name;
      const serverUri = keepString(o.serverUri);
      if (serverUri !== undefined) s.serverUri = serverUri;
      return s;
    }
    case SERVICE_CREATE_SESSION_RESPONSE:
      return { endpoints: endpoints(o.serverEndpoints), hasServerCertificate: isBuffer(o.serverCertificate) };
    case SERVICE_ACTIVATE_SESSION_REQUEST: {
      const token = o.userIdentityToken as Obj | null;
      const s: BodySummary = { auth: identityAuth(token) };
      const policyId = keepString(token?.policyId);
      if (policyId !== undefined) s.userTokenPolicyId = policyId;
      return s;
    }
    case SERVICE_WRITE_REQUEST: {
      const list = Array.isArray(o.nodesToWrite) ? (o.nodesToWrite as Obj[]) : [];
      const nodeIds: string[] = [];
      for (const w of list) {
        const id = nodeIdText(w?.nodeId);
        if (id !== undefined) nodeIds.push(id);
        if (nodeIds.length >= MAX_LISTED_NODES) break;
      }
      return { count: list.length, nodeIds };
    }
    case SERVICE_CALL_REQUEST: {
      const list = Array.isArray(o.methodsToCall) ? (o.methodsToCall as Obj[]) : [];
      const calls: CallSummary[] = [];
      for (const c of list) {
        calls.push({ objectId: nodeIdText(c?.objectId), methodId: nodeIdText(c?.methodId) });
        if (calls.length >= MAX_LISTED_NODES) break;
      }
      return { count: list.length, calls };
    }
    default:
      return {};
  }
}

/**
 * Decode the body of service `typeId` held in b[start, end) (after its type id) and summarise it.
 * Returns `{ error }` when node-opcua rejects the bytes.
 */
export function decodeServiceBody(lib: OpcuaLib, typeId: number, b: Buffer, start: number, end: number): BodySummary | { error: string } {
  try {
    const obj = lib.construct(typeId);
    if (!obj) return { error: `no decoder for type ${typeId}` };
    const stream = new lib.BinaryStream(b.subarray(start, end));
    quietly(() => obj.decode(stream));
    return summarise(typeId, obj as Obj);
  } catch (err) {
    return { error: err instanceof Error ? err.message.slice(0, 200) : 'decode failed' };
  }
}

export interface HelloSummary {
  protocolVersion: number;
  receiveBufferSize: number;
  sendBufferSize: number;
  maxMessageSize: number;
  maxChunkCount: number;
  endpointUrl?: string;
}

/** Fixed part of HEL and ACK bodies: five UInt32 (version, buffer sizes, message size, chunk count). */
const HELLO_FIXED_LEN = 20;
/** Endpoint URLs longer than this are left to node-opcua (its limits and errors apply to them). */
const MAX_NATIVE_URL_LEN = 0xffff;

/**
 * HEL (`withUrl`) or ACK body in b[start, end): read here, as node-opcua-transport's HelloMessage and
 * AcknowledgeMessage read it (UInt32 LE fields, then for HEL a UA String: Int32 length, -1 null, UTF-8),
 * so that every connection's first messages do not load node-opcua; `lib` is asked only for a URL length
 * beyond what is read here. Too short a body is undefined, as node-opcua's RangeError makes it.
 */
export function decodeHelloOrAck(lib: () => OpcuaLib, hello: boolean, b: Buffer, start: number, end: number): HelloSummary | undefined {
  const n = end - start;
  if (n < HELLO_FIXED_LEN) return undefined;
  let url: string | undefined;
  if (hello) {
    if (n < HELLO_FIXED_LEN + 4) return undefined;
    const len = b.readUInt32LE(start + HELLO_FIXED_LEN);
    const avail = n - HELLO_FIXED_LEN - 4;
    if (len !== 0xffffffff && len > 0) {
      if (len > MAX_NATIVE_URL_LEN) return decodeHelloOrAckWithLib(lib(), hello, b, start, end);
      if (len > avail) return undefined; // node-opcua: "not enough bytes left in buffer"
      const at = start + HELLO_FIXED_LEN + 4;
      url = keepString(b.toString('utf-8', at, at + len));
    }
  }
  const s: HelloSummary = {
    protocolVersion: b.readUInt32LE(start),
    receiveBufferSize: b.readUInt32LE(start + 4),
    sendBufferSize: b.readUInt32LE(start + 8),
    maxMessageSize: b.readUInt32LE(start + 12),
    maxChunkCount: b.readUInt32LE(start + 16),
  };
  if (url !== undefined) s.endpointUrl = url;
  return s;
}

/** HEL or ACK through node-opcua-transport. */
function decodeHelloOrAckWithLib(lib: OpcuaLib, hello: boolean, b: Buffer, start: number, end: number): HelloSummary | undefined {
  try {
    const m = hello ? new lib.HelloMessage() : new lib.AcknowledgeMessage();
    quietly(() => m.decode(new lib.BinaryStream(b.subarray(start, end))));
    const s: HelloSummary = {
      protocolVersion: m.protocolVersion as number,
      receiveBufferSize: m.receiveBufferSize as number,
      sendBufferSize: m.sendBufferSize as number,
      maxMessageSize: m.maxMessageSize as number,
      maxChunkCount: m.maxChunkCount as number,
    };
    const url = hello ? keepString(m.endpointUrl) : undefined;
    if (url !== undefined) s.endpointUrl = url;
    return s;
  } catch {
    return undefined;
  }
}

/** ERR body: status code and reason. */
export function decodeError(lib: OpcuaLib, b: Buffer, start: number, end: number): { code: number; reason?: string } | undefined {
  try {
    const m = new lib.TCPErrorMessage();
    quietly(() => m.decode(new lib.BinaryStream(b.subarray(start, end))));
    const sc = m.statusCode as Obj | undefined;
    const code = typeof sc?.value === 'number' ? (sc.value as number) >>> 0 : b.readUInt32LE(start);
    const s: { code: number; reason?: string } = { code };
    const reason = keepString(m.reason);
    if (reason !== undefined) s.reason = reason;
    return s;
  } catch {
    return undefined;
  }
}

/** RHE body: the server's URI and the endpoint the client should use. */
export function decodeReverseHello(
  lib: OpcuaLib,
  b: Buffer,
  start: number,
  end: number,
): { serverUri?: string; endpointUrl?: string } | undefined {
  try {
    const m = new lib.ReverseHelloMessage();
    quietly(() => m.decode(new lib.BinaryStream(b.subarray(start, end))));
    const s: { serverUri?: string; endpointUrl?: string } = {};
    const uri = keepString(m.serverUri);
    if (uri !== undefined) s.serverUri = uri;
    const url = keepString(m.endpointUrl);
    if (url !== undefined) s.endpointUrl = url;
    return s;
  } catch {
    return undefined;
  }
}

export interface AsymmetricHeader {
  securityPolicyUri?: string;
  hasSenderCertificate: boolean;
  hasReceiverThumbprint: boolean;
  /** Offset in the buffer right after the security header (start of the sequence header). */
  end: number;
}

/** The OPN asymmetric security header starting at `start` (it is never encrypted). */
export function decodeAsymmetricHeader(lib: OpcuaLib, b: Buffer, start: number, end: number): AsymmetricHeader | undefined {
  try {
    const h = new lib.AsymmetricAlgorithmSecurityHeader();
    const stream = new lib.BinaryStream(b.subarray(start, end));
    quietly(() => h.decode(stream));
    const s: AsymmetricHeader = {
      hasSenderCertificate: isBuffer(h.senderCertificate),
      hasReceiverThumbprint: isBuffer(h.receiverCertificateThumbprint),
      end: start + stream.length,
    };
    const uri = keepString(h.securityPolicyUri);
    if (uri !== undefined) s.securityPolicyUri = uri;
    return s;
  } catch {
    return undefined;
  }
}
