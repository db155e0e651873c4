/**
 * OPC UA binary (UA TCP + UA Secure Conversation) as an otwatch protocol module.
 * See NOTES.md for what node-opcua decodes and what is decoded here.
 */
import type { ProbeInfo, ProtocolModule } from '../../core/events.js';
import { OPCUA_PORT } from './constants.js';
import { OpcuaDecoder } from './decoder.js';
import { OpcuaStats } from './stats.js';
import { looksLikeOpcUa } from './records.js';
import { opcuaSecurity } from './security.js';

export const opcuaModule: ProtocolModule = {
  name: 'opcua',
  security: opcuaSecurity,
  transports: ['tcp'],
  ports: [OPCUA_PORT],
  // Any port: HEL/ACK open a connection, OPN/MSG/CLO/ERR/RHE let a mid-stream capture be recognised.
  probe(data: Buffer, info: ProbeInfo): boolean {
    return info.transport === 'tcp' && looksLikeOpcUa(data);
  },
  createDecoder: (ctx) => new OpcuaDecoder(ctx),
  createStats: () => new OpcuaStats(),
  serverRole: 'opcua_server',
};

export default opcuaModule;
