/**
 * The per-browser id of the public feedback pages: random, httpOnly, long-lived, sent only to
 * /f/ pages. The server stores only a hash of it, and only for one-response-per-browser forms.
 */

export const BROWSER_COOKIE = "pl_browser";
/** Two years: long enough to span a pilot and its follow-ups. */
const MAX_AGE_SECONDS = 2 * 365 * 24 * 60 * 60;
const VALUE = /^[0-9a-f-]{36}$/;

/** The browser id sent with the request, if it looks like one we issued. */
export function readBrowserId(request: Request): string | null {
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0 || part.slice(0, eq).trim() !== BROWSER_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    return VALUE.test(value) ? value : null;
  }
  return null;
}

/** A Set-Cookie header value with a new browser id. */
export function newBrowserCookie(request: Request): { id: string; header: string } {
  const id = crypto.randomUUID();
  const secure = new URL(request.url).protocol === "https:" ? "; Secure" : "";
  return { id, header: `${BROWSER_COOKIE}=${id}; Path=/f/; Max-Age=${MAX_AGE_SECONDS}; HttpOnly; SameSite=Lax${secure}` };
}
