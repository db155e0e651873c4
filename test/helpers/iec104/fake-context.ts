/** A DecoderContext for tests on an IEC 104 flow (controlled station on 2404 unless told). Not used by the pipeline. */
import { fakeContext as contextBetween, type FakeContext as Context } from '../fake-context.js';
import type { Endpoint } from '../../../src/core/events.js';
import type { Iec104Fields } from '../../../src/protocols/iec104/classify.js';

export type FakeContext = Context<Iec104Fields>;

export function fakeContext(
  initiator: Endpoint = { ip: '10.0.0.1', port: 49152 },
  responder: Endpoint = { ip: '10.0.0.2', port: 2404 },
): FakeContext {
  return contextBetween<Iec104Fields>(initiator, responder);
}
