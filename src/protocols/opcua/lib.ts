/**
 * Lazy access to the node-opcua decoders. Loading node-opcua-types registers every standard data
 * type (~370 ms, ~90 MB), so it happens on the first OPC UA flow, never at startup: a capture without
 * OPC UA never pays for it. The packages are CommonJS, so a synchronous require() keeps the decoder's
 * onData synchronous.
 */
import { createRequire } from 'node:module';
import type { BinaryStream as BinaryStreamT } from 'node-opcua-binary-stream';
import type { AsymmetricAlgorithmSecurityHeader as AsymT } from 'node-opcua-service-secure-channel';

/** A decodable object of the node-opcua factory (the fields we read are typed where we read them). */
export interface Decodable {
  decode(stream: BinaryStreamT): void;
}

export interface OpcuaLib {
  BinaryStream: new (data: Buffer) => BinaryStreamT;
  HelloMessage: new () => Decodable & Record<string, unknown>;
  AcknowledgeMessage: new () => Decodable & Record<string, unknown>;
  TCPErrorMessage: new () => Decodable & Record<string, unknown>;
  ReverseHelloMessage: new () => Decodable & Record<string, unknown>;
  AsymmetricAlgorithmSecurityHeader: new () => AsymT;
  /** A fresh body object for a namespace-0 binary encoding id, or undefined if the factory has none. */
  construct(typeId: number): (Decodable & Record<string, unknown>) | undefined;
}

let loaded: OpcuaLib | undefined;

export function opcuaLib(): OpcuaLib {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const bs = require('node-opcua-binary-stream');
  const basic = require('node-opcua-basic-types');
  const transport = require('node-opcua-transport');
  const secure = require('node-opcua-service-secure-channel');
  require('node-opcua-types'); // registers the standard structures in the factory
  const factory = require('node-opcua-factory').getStandardDataTypeFactory();
  // Constructors per type id, so that coerceNodeId and the factory lookup run once per type.
  const ctors = new Map<number, (new () => Decodable & Record<string, unknown>) | null>();
  loaded = {
    BinaryStream: bs.BinaryStream,
    HelloMessage: transport.HelloMessage,
    AcknowledgeMessage: transport.AcknowledgeMessage,
    TCPErrorMessage: transport.TCPErrorMessage,
    ReverseHelloMessage: transport.ReverseHelloMessage,
    AsymmetricAlgorithmSecurityHeader: secure.AsymmetricAlgorithmSecurityHeader,
    construct(typeId: number) {
      let ctor = ctors.get(typeId);
      if (ctor === undefined) {
        const nodeId = basic.coerceNodeId(typeId);
        ctor = factory.hasConstructor(nodeId) ? factory.getConstructor(nodeId) : null;
        ctors.set(typeId, ctor ?? null);
      }
      return ctor ? new ctor() : undefined;
    },
  };
  return loaded;
}

function silent(): void {}

/**
 * Run a node-opcua decode with console.warn muted: node-opcua-status-code warns on the console for
 * every status code it does not know, which hostile or odd traffic would turn into a flood. What
 * matters is already reported as a counted anomaly by the caller.
 */
export function quietly<T>(decode: () => T): T {
  const saved = console.warn;
  console.warn = silent;
  try {
    return decode();
  } finally {
    console.warn = saved;
  }
}
