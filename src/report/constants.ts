/**
 * Named constants of the plant picture (map and report): which rules count as a boundary violation
 * (a red edge), the shapes and labels of roles, and the geometry of the report's drawing.
 */
import type { AssetRole } from '../core/model.js';
import { RULES, type RuleId } from '../audit/constants.js';

/**
 * Rules whose evidence is traffic crossing a zone boundary the policy does not allow: these make an
 * edge red. Cleartext and anonymous-session findings are weaknesses of allowed traffic, not boundary
 * violations: they count as findings on the edge, not as violations.
 */
export const VIOLATION_RULES: ReadonlySet<RuleId> = new Set<RuleId>([
  RULES.flowWithoutConduit,
  RULES.flowNotAllowed,
  RULES.operationNotAllowed,
  RULES.purdueBypass,
  RULES.conduitExpiredInUse,
]);

/** How each role is drawn: a short tag on the report's drawing and the shape on the map. */
export const ROLE_STYLE: Record<
  AssetRole,
  { tag: string; shape: 'rect' | 'diamond' | 'ellipse' | 'hexagon' | 'triangle' | 'round'; label: string }
> = {
  plc: { tag: 'PLC', shape: 'rect', label: 'PLC / controller' },
  hmi: { tag: 'HMI', shape: 'round', label: 'HMI / SCADA' },
  engineering_workstation: { tag: 'EWS', shape: 'diamond', label: 'Engineering workstation' },
  opcua_server: { tag: 'UA-S', shape: 'hexagon', label: 'OPC UA server' },
  opcua_client: { tag: 'UA-C', shape: 'hexagon', label: 'OPC UA client' },
  bacnet_controller: { tag: 'BAC', shape: 'rect', label: 'BACnet controller' },
  historian: { tag: 'HIST', shape: 'round', label: 'Historian' },
  gateway: { tag: 'GW', shape: 'triangle', label: 'Router / gateway' },
  server: { tag: 'SRV', shape: 'round', label: 'IT server' },
  workstation: { tag: 'WS', shape: 'ellipse', label: 'IT workstation' },
  unknown: { tag: '?', shape: 'ellipse', label: 'Unknown' },
};

/** The report drawing's grid: zone boxes per Purdue row, asset cells inside them (SVG user units). */
export const DRAWING = {
  width: 1000,
  margin: 20,
  rowGap: 60,
  zoneGap: 24,
  zoneHeader: 34,
  zonePad: 10,
  cellWidth: 150,
  cellHeight: 34,
  cellGap: 6,
  /** Assets listed inside a zone box; the rest are counted ("+12 more"), so the drawing stays readable. */
  maxAssetsPerZone: 12,
} as const;

/** Assets and paths listed per table of the report before it says how many more there are. */
export const REPORT_TABLE_LIMIT = 500;
