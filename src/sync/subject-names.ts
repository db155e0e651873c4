/**
 * Site ids and subject prefixes, checked without loading the NATS client: `analyze` and `capture` check
 * their flags here and load the client (about 0.4 s of CPU at start) only when they publish.
 */

/** A site id is one token of a NATS subject: letters, digits, '-' and '_'. */
export const SITE_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function checkSite(site: string): string {
  if (!SITE_PATTERN.test(site)) throw new Error(`site '${site}' must be 1 to 64 letters, digits, '-' or '_' (it is a NATS subject token)`);
  return site;
}

/** A subject prefix: dot-separated tokens as a site (default 'otwatch'). */
export function checkPrefix(prefix: string): string {
  if (!prefix.split('.').every((t) => SITE_PATTERN.test(t)))
    throw new Error(`subject prefix '${prefix}' must be tokens of letters, digits, '-' or '_'`);
  return prefix;
}
