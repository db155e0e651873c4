/**
 * The text of the current policy version, read without the policy language: a reader that only needs the
 * text (to hand to the loader later, or not at all) does not load YAML and the schema validator with it.
 */
import type { DB } from './database.js';

export function currentPolicyText(db: DB): string | undefined {
  return db.prepare('SELECT text FROM policy_versions ORDER BY version DESC LIMIT 1').pluck().get() as string | undefined;
}
