/**
 * bench:live judges a rate by what tcpreplay reports it achieved: a run whose wall time includes loading the
 * capture (--preload-pcap) must not be read as a slower replay, and a replay that fell short must show its own
 * rate. The text is tcpreplay 4.4's report, as printed on this machine.
 */
import { describe, expect, it } from 'vitest';
import { replayOutcome } from '../../bench/netns.js';

const report = (pps: string, seconds: string) => `Actual: 1000000 packets (79004618 bytes) sent in ${seconds} seconds
Rated: 15800901.4 Bps, 126.40 Mbps, ${pps} pps
Flows: 8000 flows, 1599.99 fps, 1000000 unique flow packets, 0 unique non-flow packets
Statistics for network device: ort19
	Successful packets:        1000000
	Failed packets:            0
	Truncated packets:         0
	Retried packets (ENOBUFS): 0
	Retried packets (EAGAIN):  0
`;

describe('tcpreplay report', () => {
  it("takes the rate and the sending time from tcpreplay, not from the run's wall time", () => {
    const startedAt = Date.now() - 8100; // 3 s of --preload-pcap, 5 s of sending
    const r = replayOutcome(report('199999.72', '5.00'), startedAt);
    expect(r).toMatchObject({ sent: 1_000_000, failed: 0, seconds: 5, pps: 199999.72 });
    expect(r.wallSeconds).toBeGreaterThanOrEqual(8);
  });

  it('shows a replay that fell short of its target at the rate it achieved', () => {
    const r = replayOutcome(report('93012.5', '10.75'), Date.now() - 14_000);
    expect(r.pps).toBe(93012.5);
    expect(r.pps).toBeLessThan(0.95 * 200_000);
  });

  it('falls back to the wall time, a lower bound, when the report has no rate', () => {
    const r = replayOutcome('\tSuccessful packets:        500\n\tFailed packets:            2\n', Date.now() - 2000);
    expect(r.sent).toBe(500);
    expect(r.failed).toBe(2);
    expect(r.pps).toBeGreaterThan(200);
    expect(r.pps).toBeLessThanOrEqual(250);
  });
});
