/**
 * A real BACnet peer: @bacnet-js/client as device (127.0.0.3) and client (127.0.0.2) on loopback, on a
 * non-standard port pair (so the probe heuristic, not the port table, finds it), captured by tcpdump
 * and decoded through the whole pipeline. The library drops requests from exactly 127.0.0.1, hence
 * .2/.3. Skips with a message when tcpdump is missing or capturing is not permitted.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BacnetPkg from '@bacnet-js/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline } from '../../src/pipeline/pipeline.js';
import { recordLoopback, tcpdumpAvailable } from '../helpers/tcpdump.js';
import type { ProtocolEvent } from '../../src/core/events.js';
import type { BacnetFields } from '../../src/protocols/bacnet/decoder.js';
import { bacnetModule } from '../../src/protocols/bacnet/index.js';

const Bacnet = ((BacnetPkg as unknown as { default?: unknown }).default ?? BacnetPkg) as typeof BacnetPkg.default;
const DEVICE = { ip: '127.0.0.3', port: 47900 };
const CLIENT = { ip: '127.0.0.2', port: 47901 };
const hasTcpdump = tcpdumpAvailable();
if (!hasTcpdump) console.warn('[bacnet peer test] tcpdump not found: real-peer test skipped');

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!hasTcpdump)('BACnet real peer over loopback (@bacnet-js/client + tcpdump)', () => {
  let dir = '';
  let pcap = '';
  const events: ProtocolEvent<BacnetFields>[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'otwatch-bacnet-'));
    pcap = join(dir, 'peer.pcap');
    // tcpdump writes what the kernel handed it; on a busy machine that lags: wait for all 8 packets.
    await recordLoopback({ file: pcap, filter: `udp and port ${DEVICE.port}`, minPackets: 8, settleMs: 0 }, async () => {
      const device = new Bacnet({ interface: DEVICE.ip, port: DEVICE.port, broadcastAddress: DEVICE.ip, apduTimeout: 2000 });
      const client = new Bacnet({ interface: CLIENT.ip, port: CLIENT.port, broadcastAddress: CLIENT.ip, apduTimeout: 2000 });
      const names: Record<number, string> = { 121: 'Otwatch Test Controls', 70: 'OTW-Model 7' };
      device.on('whoIs', (content) => {
        if (content.header?.sender) device.iAmResponse(content.header.sender, 4711, 3, 260);
      });
      device.on('readProperty', (content) => {
        const id = content.payload.property.id as number;
        device.readPropertyResponse(content.header!.sender, content.invokeId!, content.payload.objectId, content.payload.property, [
          { type: 7, value: names[id] ?? '?' },
        ]);
      });
      device.on('writeProperty', (content) => {
        device.simpleAckResponse(content.header!.sender, content.service!, content.invokeId!);
      });
      const gotIam = new Promise<void>((resolve) => client.on('iAm', () => resolve()));
      await sleep(300);
      const target = { address: `${DEVICE.ip}:${DEVICE.port}` };
      client.whoIs(target);
      await Promise.race([gotIam, sleep(3000)]);
      const vendor = await client.readProperty(target, { type: 8, instance: 4711 }, 121);
      const model = await client.readProperty(target, { type: 8, instance: 4711 }, 70);
      expect(vendor.values[0]?.value).toBe('Otwatch Test Controls');
      expect(model.values[0]?.value).toBe('OTW-Model 7');
      await client.writeProperty(target, { type: 2, instance: 1 }, 85, [{ type: 4, value: 21.5 }], { priority: 8 });
      client.close();
      device.close();
    });
    await runPipeline(
      [pcap],
      {
        onEvent: (e) => {
          if (e.protocol === 'bacnet') events.push(e as ProtocolEvent<BacnetFields>);
        },
        onFlowEnd: () => {},
        onBinding: () => {},
      },
      { modules: [bacnetModule] },
    );
  }, 30_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('captured the exchange', () => {
    expect(statSync(pcap).size).toBeGreaterThan(24);
    expect(events.map((e) => e.fn)).toEqual([
      'who_is',
      'i_am',
      'read_property',
      'read_property_ack',
      'read_property',
      'read_property_ack',
      'write_property',
      'write_property_ack',
    ]);
  });

  it('I-Am gives the device instance and the vendor', () => {
    const iam = events.find((e) => e.fn === 'i_am')!;
    expect(iam.src).toMatchObject(DEVICE);
    expect(iam.fields).toMatchObject({ device_instance: 4711, vendor_id: 260, segmentation: 'none' });
    expect(iam.identity).toContainEqual({ about: 'src', attribute: 'vendor', value: 'BACnet Stack at SourceForge' });
  });

  it('ReadProperty acks of the device object name its vendor and model', () => {
    const acks = events.filter((e) => e.fn === 'read_property_ack');
    expect(acks.map((e) => [e.src.ip, e.detail, e.fields.values])).toEqual([
      [DEVICE.ip, 'device:4711.vendor-name', ['Otwatch Test Controls']],
      [DEVICE.ip, 'device:4711.model-name', ['OTW-Model 7']],
    ]);
    expect(acks.flatMap((e) => e.identity ?? []).filter((c) => c.attribute !== 'device_instance')).toEqual([
      { about: 'src', attribute: 'vendor', value: 'Otwatch Test Controls' },
      { about: 'src', attribute: 'model', value: 'OTW-Model 7' },
    ]);
  });

  it('WriteProperty is a write with its value and priority', () => {
    const w = events.find((e) => e.fn === 'write_property')!;
    expect(w).toMatchObject({ operation: 'write', direction: 'request', detail: 'analog-value:1.present-value', src: CLIENT, dst: DEVICE });
    expect(w.fields).toMatchObject({ values: [21.5], priority: 8 });
  });
});
