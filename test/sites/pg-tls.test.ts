/**
 * The hub's PostgreSQL over TLS (issue 17: "TLS to NATS and PostgreSQL configurable"), against a PostgreSQL 15
 * server of the test's own: initdb into a temporary folder, ssl on with a CA and certificates made here with
 * openssl, `hostssl` lines only in pg_hba.conf (a connection without TLS has no line to match). Run as the
 * postgres user when the test runs as root (postgres refuses to run as root).
 *
 * openPool with the CA connects and the migrations run over TLS; without the CA, or to a name the
 * certificate does not carry, verify-full refuses; without TLS the server refuses; a client certificate
 * (--pg-cert/--pg-key) authenticates a user whose pg_hba line is `cert`; the hub (with the machine's NATS)
 * starts over TLS; the CLI's flags and the URL's sslmode/sslrootcert reach the same server.
 */
import { runCli } from '../helpers/cli.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Hub } from '../../src/hub/hub.js';
import { migratePg } from '../../src/store/pg/migrations.js';
import { openPool, type PgOptions } from '../../src/store/pg/pool.js';
import { freePort, NATS_URL, uniq, waitFor } from './helpers.js';

const BIN = process.env.OTWATCH_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const haveBinaries = existsSync(join(BIN, 'initdb')) && existsSync(join(BIN, 'postgres'));
if (!haveBinaries) console.log(`pg-tls: skipped: no PostgreSQL binaries in ${BIN} (set OTWATCH_PG_BIN)`);

/** postgres will not run as root: as root, every server command runs as the postgres user. */
const asRoot = userInfo().uid === 0;
const pgUser = () => {
  const out = execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  return { uid: Number(out.trim()), gid: Number(gid.trim()) };
};
const asServer = (cmd: string, args: string[]): [string, string[]] =>
  asRoot ? ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', cmd, ...args]] : [cmd, args];

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA, a server certificate for 127.0.0.1 only (no DNS name), a client certificate for the role `sensor`. */
function makeCertificates(dir: string): void {
  openssl(
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=otwatch test CA', '-keyout', 'ca.key', '-out', 'ca.crt'],
    dir,
  );
  const leaf = (name: string, subject: string, ext: string) => {
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', subject, '-keyout', `${name}.key`, '-out', `${name}.csr`], dir);
    openssl(
      [
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-days',
        '2',
        '-extfile',
        `${name}.ext`,
        '-out',
        `${name}.crt`,
      ],
      dir,
    );
  };
  leaf('server', '/CN=127.0.0.1', 'subjectAltName = IP:127.0.0.1\nextendedKeyUsage = serverAuth\n');
  leaf('client', '/CN=sensor', 'extendedKeyUsage = clientAuth\n');
  // a second CA nobody trusts: its certificate must not open the server
  openssl(
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=other CA', '-keyout', 'other.key', '-out', 'other.crt'],
    dir,
  );
}

class OwnPostgres {
  readonly dir = mkdtempSync(join(tmpdir(), 'otwatch-pgtls-'));
  readonly data = join(this.dir, 'data');
  readonly certs = join(this.dir, 'certs');
  private child?: ChildProcess;
  log = '';

  constructor(readonly port: number) {}

  async start(): Promise<void> {
    execFileSync('mkdir', ['-p', this.certs]);
    makeCertificates(this.certs);
    if (asRoot) {
      const { uid, gid } = pgUser();
      chownSync(this.dir, uid, gid);
      for (const f of ['server.key', 'server.crt', 'ca.crt']) chownSync(join(this.certs, f), uid, gid);
    }
    chmodSync(join(this.certs, 'server.key'), 0o600);
    const [cmd, args] = asServer(join(BIN, 'initdb'), ['-D', this.data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    appendFileSync(
      join(this.data, 'postgresql.conf'),
      `
listen_addresses = '127.0.0.1'
port = ${this.port}
unix_socket_directories = '${this.dir}'
ssl = on
ssl_cert_file = '${join(this.certs, 'server.crt')}'
ssl_key_file = '${join(this.certs, 'server.key')}'
ssl_ca_file = '${join(this.certs, 'ca.crt')}'
fsync = off
shared_buffers = 16MB
max_connections = 20
`,
    );
    // TLS only: no host or hostnossl line, so a connection without TLS matches nothing and is refused
    writeFileSync(
      join(this.data, 'pg_hba.conf'),
      `hostssl all sensor 127.0.0.1/32 cert
hostssl all all 127.0.0.1/32 trust
`,
    );
    const [pcmd, pargs] = asServer(join(BIN, 'postgres'), ['-D', this.data]);
    const child = spawn(pcmd, pargs, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    child.stderr!.on('data', (d: Buffer) => (this.log += d.toString()));
    await waitFor(() => /ready to accept connections/.test(this.log) || child.exitCode !== null, 30_000, 'postgres to start');
    if (child.exitCode !== null) throw new Error(`postgres exited: ${this.log}`);
  }

  file(name: string): string {
    return join(this.certs, name);
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (c && c.exitCode === null) {
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGINT'); // fast shutdown: ends the sessions, no checkpoint wait
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const cli = runCli;

/** Opens a pool, runs one query and closes it: the error of a refused connection, or the row. */
async function tryQuery(
  o: PgOptions,
  sql = 'SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
): Promise<Record<string, unknown>> {
  const pool = await openPool(o);
  try {
    return (await pool.query(sql)).rows[0] as Record<string, unknown>;
  } finally {
    await pool.end();
  }
}

describe.skipIf(!haveBinaries)('the hub PostgreSQL over TLS (a server of the test own, hostssl only)', () => {
  let server: OwnPostgres;
  let url: string;

  beforeAll(async () => {
    server = new OwnPostgres(await freePort());
    await server.start();
    url = `postgres://postgres@127.0.0.1:${server.port}/postgres`;
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('with the CA: connects over TLS and the migrations run there', async () => {
    const pool = await openPool({ url, schema: 'hub_tls', tls: { ca: server.file('ca.crt') } });
    try {
      expect(await migratePg(pool)).toBeGreaterThan(0);
      const r = await pool.query('SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      expect(r.rows[0].ssl).toBe(true);
      expect(r.rows[0].version).toMatch(/^TLSv1\.[23]$/);
      // the tables are there, read over the same TLS connections
      expect(Number((await pool.query('SELECT COUNT(*) AS n FROM hub_tls.sites')).rows[0].n)).toBe(0);
    } finally {
      await pool.end();
    }
  });

  it('verify-full without the CA, with a CA that did not sign it, or to a name it does not carry: refused', async () => {
    await expect(tryQuery({ url, tls: {} })).rejects.toThrow(
      /self[- ]signed certificate in certificate chain: the server's TLS certificate is not signed by a CA given: give its CA \(--pg-ca/,
    );
    await expect(tryQuery({ url, tls: { ca: server.file('other.crt') } })).rejects.toThrow(/self[- ]signed|unable to verify/);
    // the certificate names 127.0.0.1, not localhost
    await expect(
      tryQuery({ url: `postgres://postgres@localhost:${server.port}/postgres`, tls: { ca: server.file('ca.crt') } }),
    ).rejects.toThrow(/altnames: Host: localhost\..*: the server's TLS certificate does not name the host connected to/);
    // the same from the URL alone
    await expect(tryQuery({ url: `${url}?sslmode=verify-full` })).rejects.toThrow(/self[- ]signed|unable to verify/);
  });

  it('without TLS: the server refuses (no pg_hba.conf line matches an unencrypted connection)', async () => {
    await expect(tryQuery({ url })).rejects.toThrow(
      /no pg_hba\.conf entry .*no encryption: the server accepts only TLS: add sslmode=verify-full/,
    );
    await expect(tryQuery({ url: `${url}?sslmode=disable` })).rejects.toThrow(/no encryption/);
  });

  it('sslmode and sslrootcert in the URL, and the URL with --pg-ca: both verify and connect; sslmode=disable with a CA is refused', async () => {
    const r = await tryQuery({ url: `${url}?sslmode=verify-full&sslrootcert=${encodeURIComponent(server.file('ca.crt'))}` });
    expect(r.ssl).toBe(true);
    // a URL that asks for TLS and a CA given as a flag: the flag's CA is the one used, not dropped for the URL's
    const both = await tryQuery({ url: `${url}?sslmode=verify-full`, tls: { ca: server.file('ca.crt') } });
    expect(both.ssl).toBe(true);
    await expect(tryQuery({ url: `${url}?sslmode=disable`, tls: { ca: server.file('ca.crt') } })).rejects.toThrow(
      /sslmode=disable .* contradicts/,
    );
  });

  it('a client certificate authenticates a user whose line is `cert`; without it that user is refused', async () => {
    const admin = await openPool({ url, tls: { ca: server.file('ca.crt') } });
    await admin.query('CREATE ROLE sensor LOGIN');
    await admin.end();
    const sensorUrl = `postgres://sensor@127.0.0.1:${server.port}/postgres`;
    const r = await tryQuery(
      { url: sensorUrl, tls: { ca: server.file('ca.crt'), cert: server.file('client.crt'), key: server.file('client.key') } },
      'SELECT current_user AS who, (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()) AS ssl',
    );
    expect(r).toEqual({ who: 'sensor', ssl: true });
    await expect(tryQuery({ url: sensorUrl, tls: { ca: server.file('ca.crt') } })).rejects.toThrow(/certificate/i);
  });

  it('the hub starts over TLS (--pg-ca); otwatch token create --postgres takes --pg-ca, or sslmode and sslrootcert in the URL', async () => {
    const prefix = `t${uniq()}`;
    const stream = `T_${prefix}`;
    const hub = new Hub({
      nats: { url: NATS_URL },
      pg: { url, schema: 'hub_tls', tls: { ca: server.file('ca.crt') } },
      prefix,
      stream,
      durable: 'hub',
    });
    try {
      await hub.start();
      const r = await hub.repo!.pool.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      expect(r.rows[0].ssl).toBe(true);
    } finally {
      await hub.stop();
      const nc = await connect({ servers: NATS_URL });
      await (await jetstreamManager(nc)).streams.delete(stream).catch(() => undefined);
      await nc.close();
    }
    const tlsUrl = `${url}?sslmode=verify-full&sslrootcert=${encodeURIComponent(server.file('ca.crt'))}`;
    const created = await cli(['token', 'create', '--role', 'viewer', '--postgres', tlsUrl, '--pg-schema', 'hub_tls']);
    expect(created.code).toBe(0);
    expect(created.out).toMatch(/^otw_/);
    // the same with --pg-ca, as the hub and the report take it
    const withCa = await cli([
      'token',
      'create',
      '--role',
      'viewer',
      '--postgres',
      url,
      '--pg-schema',
      'hub_tls',
      '--pg-ca',
      server.file('ca.crt'),
    ]);
    expect(withCa.code).toBe(0);
    expect(withCa.out).toMatch(/^otw_/);
    const listed = await cli(['token', 'list', '--postgres', url, '--pg-schema', 'hub_tls', '--pg-ca', server.file('ca.crt'), '--json']);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.out)).toHaveLength(2);
    const refused = await cli(['token', 'create', '--role', 'viewer', '--postgres', url, '--pg-schema', 'hub_tls']);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/cannot open the hub database: .*no encryption: the server accepts only TLS/);
  });

  it('otwatch report --postgres with --pg-ca reads the hub over TLS; without it, a clear error and exit 2', async () => {
    const out = join(server.dir, 'report.html');
    const ok = await cli(['report', '--postgres', url, '--pg-schema', 'hub_tls', '--pg-ca', server.file('ca.crt'), '--out', out]);
    expect(ok.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('No site has reported to this hub yet');
    const refused = await cli(['report', '--postgres', url, '--pg-schema', 'hub_tls', '--out', out]);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/otwatch report: cannot read the hub database: .*no encryption/);
    expect(refused.err).not.toMatch(/\n\s+at /); // no stack trace
  });
});
