/** A DecoderContext for tests on a DNP3 flow (outstation on 20000 unless told). Not used by the pipeline. */
import { fakeContext as contextBetween, type FakeContext as Context } from '../fake-context.js';
import type { Endpoint, Transport } from '../../../src/core/events.js';
import type { Dnp3Fields } from '../../../src/protocols/dnp3/decoder.js';

export type FakeContext = Context<Dnp3Fields>;

export function fakeContext(
  initiator: Endpoint = { ip: '10.0.0.1', port: 49152 },
  responder: Endpoint = { ip: '10.0.0.2', port: 20000 },
  transport: Transport = 'tcp',
): FakeContext {
  return contextBetween<Dnp3Fields>(initiator, responder, transport);
}
