/** Child process of the crash test: analyses captures into a database, logging progress to stderr. */
import pino from 'pino';
import { analyzeCaptures } from '../../src/analysis/analyze-captures.js';

const [db, ...captures] = process.argv.slice(2);
const log = pino({ level: 'info' }, pino.destination({ fd: 2, sync: true }));
const r = await analyzeCaptures(captures, { db, log });
process.stdout.write(JSON.stringify(r.store) + '\n');
