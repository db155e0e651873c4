/** Counters for everything the pipeline saw, decoded or skipped (reported by `stats`, `/metrics` and the logs). */
export interface CaptureFileReport {
  file: string;
  format: string;
  compressed: boolean;
  packets: number;
  bytes: number;
  linkTypes: number[];
  /** Where reading stopped early, with byte offset and record number. */
  error?: { message: string; offset: number; record: number };
}

export interface PipelineCounters {
  packets: number;
  bytes: number; // captured bytes
  frames: {
    transport: number; // TCP or UDP
    arp: number;
    llc: number;
    other_l3: number; // network protocols not decoded (PROFINET RT, LLDP, ICMP, ...)
    unknown_link: number;
    malformed: number;
    snap_truncated: number; // cut by the capture's snaplen
  };
  ipv4Fragments: { fragments: number; reassembled: number; expired: number; dropped: number };
  /** Flows by transport, and the TCP connection attempts among them that got no answer or a reset (FlowSummary.attempt). */
  flows: { tcp: number; udp: number; unanswered: number; refused: number };
  tcp: { gaps: number; gapBytes: number; retransmittedBytes: number };
  events: number;
  /** Flows on a decoder's well-known port whose payload the decoder's probe rejected (garbage on 502). */
  mismatches: Record<string, number>;
  /** Flows handed to a decoder by heuristic on a port it does not claim (OPC UA on 48010). */
  heuristicFlows: Record<string, number>;
  /** `<protocol>.<kind>` → count: malformed PDUs, bad lengths, decoder exceptions. */
  anomalies: Record<string, number>;
  unknownLinkTypes: Record<string, number>;
  files: CaptureFileReport[];
}

export function newCounters(): PipelineCounters {
  return {
    packets: 0,
    bytes: 0,
    frames: { transport: 0, arp: 0, llc: 0, other_l3: 0, unknown_link: 0, malformed: 0, snap_truncated: 0 },
    ipv4Fragments: { fragments: 0, reassembled: 0, expired: 0, dropped: 0 },
    flows: { tcp: 0, udp: 0, unanswered: 0, refused: 0 },
    tcp: { gaps: 0, gapBytes: 0, retransmittedBytes: 0 },
    events: 0,
    mismatches: {},
    heuristicFlows: {},
    anomalies: {},
    unknownLinkTypes: {},
    files: [],
  };
}
