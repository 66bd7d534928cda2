/** Named limits shared by schemas, services and the server. */

/** Longest password accepted; caps hashing work per request. */
export const PASSWORD_MAX_LENGTH = 256;
/** Shortest password accepted (NIST 800-63B minimum). */
export const PASSWORD_MIN_LENGTH = 8;
/** Longest request body the HTTP server reads (forms are small). */
export const MAX_REQUEST_BODY_BYTES = 1_000_000;
/** Failed logins per email within the window before the account is throttled. */
export const LOGIN_MAX_FAILURES_PER_ACCOUNT = 5;
/** Failed logins per IP within the window before the IP is throttled. */
export const LOGIN_MAX_FAILURES_PER_IP = 20;
/** Sliding window for login throttling. */
export const LOGIN_THROTTLE_WINDOW_MS = 15 * 60 * 1000;
/** Sign-ups per IP within an hour. */
export const SIGNUPS_PER_IP_PER_HOUR = 10;
/** Session lifetime; extended (sliding) when more than half has passed. */
export const SESSION_DAYS = 30;
/** Default invite lifetime offered in the UI. */
export const INVITE_DEFAULT_DAYS = 7;
/** Longest invite lifetime allowed. */
export const INVITE_MAX_DAYS = 30;
export const WORKSPACE_NAME_MAX = 80;
export const TITLE_MAX = 200;
export const DESCRIPTION_MAX = 5000;
export const NAME_MAX = 100;
export const EMAIL_MAX = 254;
