/** Named defaults and limits of the REST API (one place to argue about them). */

export const API_PREFIX = '/api/v1';
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8080;

/** Upload size limit: 2 GiB by default (a day of a busy mirror port, gzip or not). */
export const DEFAULT_UPLOAD_LIMIT = 2 * 1024 ** 3;
/** Bytes looked at before an upload is accepted: enough for looksLikeCapture to sniff a gzip head. */
export const UPLOAD_SNIFF_BYTES = 64 * 1024;
/** Uploads per client and window. */
export const UPLOAD_RATE_MAX = 10;
export const UPLOAD_RATE_WINDOW_MS = 60_000;
/** Failed authentications per client and window before 429. */
export const AUTH_FAILURE_MAX = 20;
export const AUTH_FAILURE_WINDOW_MS = 60_000;
/** Clients tracked by the failure limiter (oldest forgotten first: bounded memory under a spray). */
export const AUTH_FAILURE_TRACKED = 10_000;

/** Body limit for JSON and policy documents. */
export const BODY_LIMIT = 1024 * 1024;

/** Pagination. */
export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 500;
export const MAX_OFFSET = 10_000_000;

/** How often a running job writes its progress to the database (ms). */
export const JOB_PROGRESS_INTERVAL_MS = 500;

export { TOKEN_BYTES, TOKEN_PREFIX, TOKEN_ROLES, type TokenRole } from '../store/token-repository.js';
