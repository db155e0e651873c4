/** A DecoderContext for tests: a fixed client (10.0.0.1:50000) → PLC (10.0.0.2:102) flow. Not used by the pipeline. */
import { fakeContext as contextBetween, type FakeContext } from '../fake-context.js';

export type { FakeContext };

export function fakeContext(): FakeContext {
  return contextBetween({ ip: '10.0.0.1', port: 50000 }, { ip: '10.0.0.2', port: 102 });
}
