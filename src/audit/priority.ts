/**
 * What to fix first. Findings are ranked by severity, then by the most dangerous class of operation
 * their traffic carries to a device at Purdue level 0-1 (a program download or a stop before a
 * write, a write before a read), then by age (the longest-standing exposure first; the store sorts
 * by the finding's first traffic). Severity alone puts a read-only cleartext poll next to a cleartext
 * channel that rewrites a controller's setpoints; the operation class is what separates them.
 */
import type { Operation } from '../core/events.js';
import type { Assessment, PathAssessment } from './assess.js';
import { SEVERITY_ORDER } from './constants.js';
import type { PathEnd } from './conduit-match.js';
import { OP_CLASSES, type Finding, type OpClass, type Priority } from './finding.js';
import type { Policy } from './policy-types.js';

/** Highest Purdue level that counts as basic control or process (the level-0-1 of the ranking). */
export const CONTROL_LEVEL_MAX = 1;

const CLASS_OF: Partial<Record<Operation, OpClass>> = {
  program: 'program/control',
  control: 'program/control',
  restart: 'program/control',
  write: 'write',
  call: 'write', // an OPC UA method call may do anything a write does
  read: 'read',
  subscribe: 'read',
};

/** A zone's level, else the asset's guessed one (an unzoned device); zones looked up in a map, once per path. */
function levelOf(zoneLevels: ReadonlyMap<string, number | null>, ep: PathEnd): number | null {
  return zoneLevels.get(ep.zone) ?? ep.asset?.purdueLevel ?? null;
}

const rankOf = (c: OpClass): number => OP_CLASSES.indexOf(c);

/**
 * The worst operation class of the finding's paths whose responder sits at level 0-1, counting only
 * the operations the finding is about (its evidence's: a finding on a disallowed write is about the
 * write, not the reads of the same path).
 */
function opClassOf(
  f: Finding,
  byPath: ReadonlyMap<string, PathAssessment>,
  zoneLevels: ReadonlyMap<string, number | null>,
): { opClass: OpClass; target?: string; level?: number } {
  const about = new Set(f.evidence.operations.map((o) => o.operation));
  let best: { opClass: OpClass; target?: string; level?: number } = { opClass: 'none' };
  for (const id of f.evidence.pathIds) {
    const a = byPath.get(id);
    if (!a) continue;
    const level = levelOf(zoneLevels, a.to);
    if (level === null || level > CONTROL_LEVEL_MAX) continue;
    for (const key in a.path.operations) {
      const op = key as Operation;
      const c = CLASS_OF[op];
      if (!c || a.path.operations[op]!.count === 0 || !about.has(op)) continue;
      if (rankOf(c) < rankOf(best.opClass)) best = { opClass: c, target: a.path.responderIp, level };
    }
  }
  return best;
}

/** Sets `priority` on every finding (in place) and returns them. Linear in the paths and the findings' path ids. */
export function prioritise(findings: Finding[], policy: Policy, assessment: Assessment): Finding[] {
  // only the paths some finding names: most paths of a plant (those inside a zone) are in none
  const named = new Set<string>();
  for (const f of findings) for (const id of f.evidence.pathIds) named.add(id);
  const byPath = new Map<string, PathAssessment>();
  if (named.size) for (const a of assessment.paths) if (named.has(a.path.id)) byPath.set(a.path.id, a);
  const zoneLevels = new Map(policy.zones.map((z) => [z.id, z.level ?? null]));
  for (const f of findings) {
    const { opClass, target, level } = opClassOf(f, byPath, zoneLevels);
    const priority: Priority = {
      rank: SEVERITY_ORDER[f.severity] * OP_CLASSES.length + rankOf(opClass),
      opClass,
      reason:
        opClass === 'none'
          ? `${f.severity}; no program, control, write or read reaching level 0-1`
          : `${f.severity}; ${opClass} reaching level ${level} (${target})`,
    };
    f.priority = priority;
  }
  return findings;
}
