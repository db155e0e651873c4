/**
 * `otwatch vulns import <dir|file>... --db DB`: CSAF 2.0 advisories and the KEV catalogue into the database,
 * then every asset re-matched. `otwatch vulns --db DB [--json]`: the matches, most urgent first.
 */
import { parseArgs } from 'node:util';
import { storedZoneFacts } from '../../analysis/rematch-stored.js';
import { DEFAULT_DB } from '../../analysis/analyze-captures.js';
import { StoreError } from '../../store/database.js';
import { Store } from '../../store/store.js';
import { VulnerabilityStore, type StoredVulnerability, type VulnerabilityFilter } from '../../store/vulnerability-repository.js';
import type { MatchStatus } from '../../vulns/types.js';
import { CliError, type Command } from './command.js';
import { printList, withStore } from './helpers.js';

const usage = `usage: otwatch vulns import <folder|file>... [--db file] [--json]
       otwatch vulns [--db file] [--json] [--status s] [--asset id] [--cve id] [--advisory id] [--known-exploited] [--all]

import   reads CSAF 2.0 advisories (every .json under the folders, any layout) and CISA's KEV catalogue
         (known_exploited_vulnerabilities.json) into the database (default ${DEFAULT_DB}), then matches every
         asset again. Importing the same files again changes nothing; a newer revision of an advisory
         replaces the older. A file that cannot be read is named with the JSON path at fault; the rest is imported.

Without a sub-command, lists the assets' known vulnerabilities, most urgent first (known exploited, exposed
to less trusted zones, CVSS); assets not affected are left out unless --all or --status not_affected.

  --json               one JSON array instead of a table
  --status s           affected | potentially_affected | not_affected
  --asset id           one asset
  --cve id             one CVE
  --advisory id        one advisory (tracking id, e.g. ICSA-18-079-02)
  --known-exploited    only CVEs in the KEV catalogue
  --all                include matches whose firmware is outside the affected versions`;

const STATUSES: readonly MatchStatus[] = ['affected', 'potentially_affected', 'not_affected'];

const HEADER = ['asset', 'address', 'zone', 'identity', 'advisory', 'cve', 'cvss', 'status', 'confidence', 'fix / remediation', 'kev'];

function rows(items: StoredVulnerability[]): string[][] {
  return items.map((v) => [
    v.assetName ? `${v.assetName} (${v.assetId})` : v.assetId,
    v.addresses.join(' '),
    v.zone ?? '',
    v.identity,
    v.trackingId,
    v.cve,
    v.cvssScore === undefined ? '' : v.cvssScore.toFixed(1),
    v.status.replace('_', ' '),
    v.confidence,
    v.fixedVersion ? `fixed in ${v.fixedVersion}` : truncate(v.remediation ?? '', 60),
    v.knownExploited ? 'yes' : '',
  ]);
}

function truncate(s: string, n: number): string {
  const one = s.replace(/\s+/g, ' ');
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}

async function importAdvisories(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { db: { type: 'string' }, json: { type: 'boolean' } },
  });
  if (positionals.length === 0) throw new CliError(`give the folders or files to import\n\n${usage}`);
  const file = values.db ?? DEFAULT_DB;
  let store: Store;
  try {
    store = new Store(file);
  } catch (err) {
    if (err instanceof StoreError) throw new CliError(err.message);
    throw err;
  }
  try {
    // the exposure ranking reads the zones of the policy the last audit stored
    const zones = await storedZoneFacts(store.db);
    const summary = new VulnerabilityStore(store.db).importFiles(
      positionals,
      (message) => {
        if (!values.json) console.error(`otwatch vulns import: ${message}`);
      },
      zones,
    );
    if (values.json) {
      console.log(JSON.stringify(summary, null, 2));
    } else {
      const r = summary.rematch;
      console.log(
        `${summary.files} files: ${summary.added} advisories added, ${summary.replaced} replaced by a newer revision, ` +
          `${summary.unchanged} unchanged, ${summary.older} older than the stored revision, ${summary.kevEntries} known exploited CVEs, ` +
          `${summary.errors.length} files not read (${(summary.ms / 1000).toFixed(1)} s)`,
      );
      console.log(
        `${r.assets} assets matched: ${r.affected} affected, ${r.potentiallyAffected} potentially affected (${r.matches} matches)`,
      );
    }
    return summary.errors.length > 0 ? 1 : 0;
  } finally {
    store.close();
  }
}

async function list(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      db: { type: 'string' },
      json: { type: 'boolean' },
      status: { type: 'string' },
      asset: { type: 'string' },
      cve: { type: 'string' },
      advisory: { type: 'string' },
      'known-exploited': { type: 'boolean' },
      all: { type: 'boolean' },
    },
  });
  if (values.status !== undefined && !STATUSES.includes(values.status as MatchStatus)) {
    throw new CliError(`--status takes ${STATUSES.join(', ')}, not ${values.status}`);
  }
  const filter: Omit<VulnerabilityFilter, 'limit'> = {
    status: values.status as MatchStatus | undefined,
    asset: values.asset,
    cve: values.cve,
    advisory: values.advisory,
    knownExploited: values['known-exploited'] ? true : undefined,
  };
  const items = withStore(values.db ?? DEFAULT_DB, (s) => {
    const all = new VulnerabilityStore(s.db).all(filter);
    return values.all || values.status ? all : all.filter((v) => v.status !== 'not_affected');
  });
  printList(items, values.json, HEADER, rows, 'no known vulnerabilities (import advisories with `otwatch vulns import <folder>`)');
  return 0;
}

export const vulnsCommand: Command = {
  name: 'vulns',
  usage,
  async run(argv) {
    if (argv[0] === 'import') return importAdvisories(argv.slice(1));
    return list(argv);
  },
};
