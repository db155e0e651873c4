/** `otwatch findings`: the stored audit findings, what to fix first at the top, as a table or JSON. */
import { parseArgs } from 'node:util';
import { DEFAULT_DB } from '../../analysis/analyze-captures.js';
import { RULES, SEVERITY_ORDER } from '../../audit/constants.js';
import { FINDING_STATUSES, type FindingStatus } from '../../audit/lifecycle.js';
import { terminalJson } from '../../core/sanitize.js';
import { formatTable, timeText } from '../../inventory/format.js';
import { FindingsStore, type FindingFilter, type StoredFinding } from '../../store/findings-api-repository.js';
import { CliError, type Command } from './command.js';
import { parseLimit, withStore } from './helpers.js';

const SORTS: readonly FindingFilter['sort'][] = ['priority', 'severity', 'last_seen', 'first_seen', 'rule'];

const usage = `usage: otwatch findings [--db file] [--json] [--severity s] [--status s] [--rule r] [--zone z] [--conduit c]
                        [--asset id] [--since t] [--until t] [--sort key] [--desc] [--limit n]

Lists the findings of the zone/conduit audit stored in the database (default ${DEFAULT_DB}) by
\`otwatch analyze --policy\`, the live agent or the API, with the API's filters. By default the ones to fix
first come first: severity, then program/control before write before read reaching level 0-1, then the oldest.

  --json          one JSON array (machine readable) instead of a table
  --severity s    ${Object.keys(SEVERITY_ORDER).join(', ')}
  --status s      ${FINDING_STATUSES.join(', ')}
  --rule r        a rule id (ZC-FLOW-NO-CONDUIT, ZC-PURDUE-BYPASS, ...)
  --zone z        findings about zone z
  --conduit c     findings about conduit c
  --asset id      findings whose traffic involves asset id
  --since t       findings whose latest traffic is at or after t (epoch seconds or ISO 8601)
  --until t       findings whose latest traffic is at or before t
  --sort key      ${SORTS.join(', ')} (default priority)
  --desc          the reverse order
  --limit n       at most n findings`;

function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new CliError(`--${name} must be one of ${allowed.join(', ')}, not '${value}'`);
  return value as T;
}

/** Epoch seconds or an ISO 8601 date, as the API's since/until take them. */
function time(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const t = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Date.parse(value) / 1000;
  if (!Number.isFinite(t)) throw new CliError(`--${name} takes epoch seconds or an ISO 8601 date, not '${value}'`);
  return t;
}

export const FINDING_HEADER = ['SEVERITY', 'FIX', 'STATUS', 'RULE', 'TITLE', 'PATHS', 'LAST SEEN'];

export function findingRows(findings: readonly StoredFinding[]): string[][] {
  return findings.map((f) => [
    f.severity,
    f.priority?.opClass ?? '-',
    f.status,
    f.rule,
    f.title ?? f.subject.label,
    String(f.evidence.pathCount),
    f.evidence.lastSeen === null ? '-' : timeText(f.evidence.lastSeen),
  ]);
}

export const findingsCommand: Command = {
  name: 'findings',
  usage,
  async run(argv) {
    let values;
    try {
      values = parseArgs({
        args: argv,
        options: {
          db: { type: 'string' },
          json: { type: 'boolean' },
          severity: { type: 'string' },
          status: { type: 'string' },
          rule: { type: 'string' },
          zone: { type: 'string' },
          conduit: { type: 'string' },
          asset: { type: 'string' },
          since: { type: 'string' },
          until: { type: 'string' },
          sort: { type: 'string' },
          desc: { type: 'boolean' },
          limit: { type: 'string' },
        },
      }).values;
    } catch (err) {
      throw new CliError(`${(err as Error).message}\n\n${usage}`);
    }
    const filter: Omit<FindingFilter, 'limit' | 'cursor'> = {
      severity: oneOf('severity', values.severity, Object.keys(SEVERITY_ORDER)),
      status: oneOf<FindingStatus>('status', values.status, FINDING_STATUSES),
      rule: oneOf('rule', values.rule, Object.values(RULES)),
      zone: values.zone,
      conduit: values.conduit,
      asset: values.asset,
      since: time('since', values.since),
      until: time('until', values.until),
      sort: oneOf('sort', values.sort, SORTS) ?? 'priority',
      desc: values.desc ?? false,
    };
    const limit = parseLimit(values.limit);
    const findings = withStore(values.db ?? DEFAULT_DB, (s) => {
      const store = new FindingsStore(s.db);
      // keyset pages of 500 up to the limit: the listing never holds a statement open across pages
      const out: StoredFinding[] = [];
      let cursor: string | undefined;
      do {
        const page = store.list({ ...filter, limit: Math.min(500, (limit ?? Infinity) - out.length), cursor });
        out.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor && (limit === undefined || out.length < limit));
      return out;
    });
    if (values.json) console.log(terminalJson(findings, 2));
    else console.log(findings.length ? formatTable(FINDING_HEADER, findingRows(findings), 90) : 'no findings');
    return 0;
  },
};
