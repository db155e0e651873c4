/** `otwatch token create|list|revoke`: API tokens, stored hashed in the database. */
import { parseArgs } from 'node:util';
import { TOKEN_ROLES, type TokenRole } from '../../api/constants.js';
import { createToken, listTokens, revokeToken } from '../../store/token-repository.js';
import { DEFAULT_DB } from '../../analysis/analyze-captures.js';
import { StoreError, storeError } from '../../store/database.js';
import { Store } from '../../store/store.js';
import { sanitize, terminalJson } from '../../core/sanitize.js';
import { CliError, type Command } from './command.js';

const usage = `usage: otwatch token create --role viewer|admin [--name label] [--db file]
       otwatch token list [--db file] [--json]
       otwatch token revoke <id> [--db file]
       otwatch token create|list|revoke ... --postgres URL [--pg-schema name]   (the hub's tokens)
                                          [--pg-ca file] [--pg-cert file --pg-key file]

API tokens for 'otwatch serve'. A token is printed once, at creation, and stored only as its SHA-256.
Viewers read; admins also change the policy, acknowledge findings and upload captures.`;

export const tokenCommand: Command = {
  name: 'token',
  usage,
  async run(argv) {
    const parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        db: { type: 'string' },
        role: { type: 'string' },
        name: { type: 'string' },
        json: { type: 'boolean' },
        postgres: { type: 'string' },
        'pg-schema': { type: 'string' },
        'pg-ca': { type: 'string' },
        'pg-cert': { type: 'string' },
        'pg-key': { type: 'string' },
      },
    });
    const { values, positionals } = parsed;
    const [action, ...rest] = positionals;
    if (action !== 'create' && action !== 'list' && action !== 'revoke') throw new CliError(`expected create, list or revoke\n\n${usage}`);
    if (action === 'create' && !TOKEN_ROLES.includes(values.role as TokenRole))
      throw new CliError(`--role must be one of ${TOKEN_ROLES.join(', ')}`);
    if (action === 'revoke' && rest.length !== 1) throw new CliError(`revoke needs exactly one token id (see 'otwatch token list')`);
    // the hub's tokens live in its PostgreSQL (otwatch hub --serve)
    if (values.postgres) return (await import('./hub.js')).pgTokenCommand(action, { ...values, postgres: values.postgres }, rest[0]);
    const db = values.db ?? DEFAULT_DB;
    let store: Store;
    try {
      // list only reads: it works on a read-only database in a read-only folder
      store = new Store(db, action === 'list' ? { readonly: true } : { mustExist: action !== 'create' });
    } catch (err) {
      if (err instanceof StoreError) throw new CliError(err.message, err.exitCode);
      throw err;
    }
    try {
      if (action === 'create') {
        const { token, info } = createToken(store.db, values.role as TokenRole, values.name);
        console.error(`token ${info.id} (${info.role}) created; it is shown once, store it now:`);
        console.log(token);
      } else if (action === 'list') {
        const tokens = listTokens(store.db);
        if (values.json) console.log(terminalJson(tokens, 2));
        else if (!tokens.length) console.log('no tokens');
        else
          for (const t of tokens)
            console.log(
              `${t.id}  ${t.role.padEnd(6)}  ${t.revokedAt ? 'revoked ' + t.revokedAt : 'active'}  created ${t.createdAt}  last used ${t.lastUsedAt ?? 'never'}  ${sanitize(t.label ?? '')}`.trimEnd(),
            );
      } else {
        if (!revokeToken(store.db, rest[0]!)) throw new CliError(`no active token '${rest[0]}'`);
        console.log(`token ${rest[0]} revoked`);
      }
      return 0;
    } catch (err) {
      // a read-only or damaged database met on writing: its message and exit code, not a stack trace
      const e = storeError(err, db);
      if (e instanceof StoreError) throw new CliError(e.message, e.exitCode);
      throw err;
    } finally {
      store.close();
    }
  },
};
