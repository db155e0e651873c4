/**
 * The hub's enterprise audit (issue 17): the paths of every site that cross into another site's address
 * ranges, judged against the enterprise policy, the findings kept in PostgreSQL with their lifecycle.
 *
 * The auditor holds in memory only the paths that cross sites (a small part of all, and the only ones a
 * rule reads). At start it reads every path's two addresses from PostgreSQL and the whole rows of those
 * that cross (in the background: the hub ingests meanwhile); then each ingest hands it the changed paths, which it classifies one by one (an index
 * look-up per address): the work per batch is the batch, never all paths. The rules then run over the
 * crossing paths, debounced: after the last change has rested `debounceMs`, or at most `maxDelayMs` after
 * the first one, so that a burst of batches is one evaluation.
 */
import type { Logger } from 'pino';
import type { Path } from '../core/model.js';
import { summarisePolicy, type EnterprisePolicy } from '../audit/enterprise-policy.js';
import { enterpriseAudit, EnterpriseJudge, type InterSitePath } from '../audit/enterprise-rules.js';
import { EnterpriseRepository, type EnterpriseEvaluation, type Resolution } from '../store/pg/enterprise-repository.js';
import type { Change } from '../store/pg/hub-repository.js';
import type { PgPool } from '../store/pg/pool.js';

export interface EnterpriseAuditorOptions {
  debounceMs?: number;
  maxDelayMs?: number;
  log?: Logger;
}

/** Paths read per page at start (their ends only), and whole rows fetched per query. */
const SCAN_PAGE = 20_000;
const FETCH_CHUNK = 2_000;
/** Sites scanned at once at start (connections of the hub's pool, which ingest shares). */
const SCAN_PARALLEL = 3;

interface Held {
  version: number;
  x: InterSitePath;
}

export class EnterpriseAuditor {
  readonly repo: EnterpriseRepository;
  private readonly judge: EnterpriseJudge;
  /** Crossing paths by site and id. */
  private readonly held = new Map<string, Held>();
  /** Versions of crossing paths deleted since: an older replay must not bring them back. */
  private readonly gone = new Map<string, number>();
  private dirtySince: number | null = null;
  /** Whether the start-up scan of the stored paths ended (evaluations wait for it). */
  private loaded = false;
  private loading?: Promise<void>;
  /** Evaluations one after the other: the start's and the loop's never interleave their transactions. */
  private chain: Promise<unknown> = Promise.resolve();
  private lastChange = 0;
  private closed = false;
  /** The first evaluation after a new policy resolves what it no longer produces as 'policy'. */
  private resolution: Resolution = 'traffic';
  lastEvaluation?: EnterpriseEvaluation;
  /** The start-up scan: paths read, crossing ones held, milliseconds. */
  lastLoad?: { scanned: number; interSite: number; ms: number };
  evaluations = 0;
  failures = 0;

  constructor(
    pool: PgPool,
    readonly policy: EnterprisePolicy,
    private readonly o: EnterpriseAuditorOptions = {},
  ) {
    this.repo = new EnterpriseRepository(pool);
    this.judge = new EnterpriseJudge(policy);
  }

  /** Records the policy, reads the crossing paths PostgreSQL holds, evaluates once; resolves when all is done. */
  async start(): Promise<void> {
    await this.recordPolicy();
    await this.load();
  }

  /**
   * What the hub calls: the policy recorded now, the paths read in the background, so that ingest and the API
   * start at once (reading 400,000 paths' addresses takes seconds). Changes observed meanwhile are safe: each
   * path keeps its newest version, whichever of the scan and the ingest brings it first; no evaluation runs
   * before the scan ends (it would resolve the findings of paths not read yet).
   */
  async startInBackground(): Promise<void> {
    await this.recordPolicy();
    this.loading = this.load().catch((err: Error) => {
      this.loading = undefined; // evaluateIfDue starts it again
      this.failures++;
      this.o.log?.error({ err: err.message }, 'enterprise audit: cannot read the paths yet; retrying');
    });
  }

  /** Waits for the background scan (the hub's stop, tests). */
  async settled(): Promise<void> {
    await this.loading;
  }

  private async recordPolicy(): Promise<void> {
    const before = await this.repo.setPolicy(this.policy.hash, summarisePolicy(this.policy));
    if (before !== null && before !== this.policy.hash) this.resolution = 'policy';
  }

  private async load(): Promise<void> {
    const t = performance.now();
    let scanned = 0;
    // sites side by side: PostgreSQL reads each row's JSON for its two addresses, and that work spreads over its cores
    const sites = await this.repo.pathSites();
    const scanSite = async (site: string) => {
      let after: string | undefined;
      for (;;) {
        const page = await this.repo.pathEnds(site, after, SCAN_PAGE);
        scanned += page.length;
        if (!page.length) break;
        after = page[page.length - 1]!.id;
        const crossing = page.filter(
          (p) => p.initiatorIp !== null && p.responderIp !== null && this.judge.crosses(site, p.initiatorIp, p.responderIp),
        );
        for (let i = 0; i < crossing.length; i += FETCH_CHUNK)
          for (const r of await this.repo.paths(crossing.slice(i, i + FETCH_CHUNK))) this.hold(r.site, r.id, r.version, r.path);
        if (page.length < SCAN_PAGE) break;
      }
    };
    let next = 0;
    const worker = async () => {
      while (next < sites.length) await scanSite(sites[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(SCAN_PARALLEL, sites.length) }, worker));
    this.loaded = true;
    this.lastLoad = { scanned, interSite: this.held.size, ms: Math.round(performance.now() - t) };
    this.o.log?.info({ policy: this.policy.file, hash: this.policy.hash, ...this.lastLoad }, 'enterprise policy loaded');
    await this.evaluate();
  }

  private hold(site: string, id: string, version: number, path: Path): boolean {
    const key = `${site}\u0000${id}`;
    const had = this.held.get(key);
    if (had && had.version >= version) return false;
    if ((this.gone.get(key) ?? -1) >= version) return false;
    const x = this.judge.classify(site, path);
    if (x) {
      this.held.set(key, { version, x });
      return true;
    }
    // a path's ends do not change with its versions; a newer one that no longer crosses (a malformed row) goes
    return had ? this.held.delete(key) : false;
  }

  /** The changes one ingest committed: only the paths, each classified on its own. */
  observe(changes: readonly Change[], now = Date.now()): void {
    let touched = false;
    for (const c of changes) {
      if (c.kind !== 'path') continue;
      const key = `${c.site}\u0000${c.id}`;
      if (c.data === null || typeof c.data !== 'object') {
        const had = this.held.get(key);
        if (had && had.version < c.version) {
          this.held.delete(key);
          this.gone.set(key, c.version);
          touched = true;
        }
        continue;
      }
      if (this.hold(c.site, c.id, c.version, c.data as Path)) touched = true;
    }
    if (touched) {
      this.dirtySince ??= now;
      this.lastChange = now;
    }
  }

  /** Evaluates when crossing paths changed and the burst has rested (or waited long enough). */
  async evaluateIfDue(now = Date.now()): Promise<boolean> {
    if (this.closed) return false;
    if (!this.loaded) {
      this.loading ??= this.load().catch(() => {
        this.loading = undefined;
        this.failures++;
      });
      return false;
    }
    if (this.dirtySince === null) return false;
    const rested = now - this.lastChange >= (this.o.debounceMs ?? 1000);
    const waited = now - this.dirtySince >= (this.o.maxDelayMs ?? 10_000);
    if (!rested && !waited) return false;
    await this.evaluate();
    return true;
  }

  /**
   * Ends this auditor (its policy was replaced): an evaluation queued or running finishes, none starts after,
   * so that the replacement's findings are the last word.
   */
  async close(): Promise<void> {
    this.closed = true;
    await this.loading;
    await this.chain;
  }

  /** The rules over every crossing path held, the findings synchronised into PostgreSQL. */
  evaluate(): Promise<EnterpriseEvaluation | undefined> {
    const next = this.chain.then(() => (this.closed ? undefined : this.evaluateNow()));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async evaluateNow(): Promise<EnterpriseEvaluation> {
    const t0 = performance.now();
    this.dirtySince = null;
    try {
      const findings = enterpriseAudit(
        this.judge,
        [...this.held.values()].map((h) => h.x),
      );
      const auditMs = performance.now() - t0;
      const { opened, resolved } = await this.repo.sync(findings, this.policy.hash, this.resolution);
      this.resolution = 'traffic';
      const e: EnterpriseEvaluation = {
        interSitePaths: this.held.size,
        findings: findings.length,
        opened,
        resolved,
        auditMs: Math.round(auditMs * 10) / 10,
        totalMs: Math.round((performance.now() - t0) * 10) / 10,
      };
      await this.repo.recordEvaluation(e);
      this.lastEvaluation = e;
      this.evaluations++;
      if (opened || resolved) this.o.log?.info(e, 'enterprise findings changed');
      return e;
    } catch (err) {
      // evaluated again at the next change or tick: the ingest goes on meanwhile
      this.dirtySince ??= Date.now();
      this.failures++;
      throw err;
    }
  }

  /** Whether the start-up scan ended: evaluations can run. */
  get ready(): boolean {
    return this.loaded;
  }

  /** Crossing paths held now. */
  get interSitePaths(): number {
    return this.held.size;
  }
}
