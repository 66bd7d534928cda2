import type { Request, Response, NextFunction } from "express";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The origin requests must come from: the configured one, or the Host the request was sent to. */
export function expectedOrigin(req: Request, appOrigin: string | null): string {
  return appOrigin ?? `${req.protocol}://${req.get("host")}`;
}

/** Refuses cross-site mutating requests: Origin must equal the app origin. */
export function checkOrigin(appOrigin: string | null) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const origin = req.get("origin");
    if (origin && origin === expectedOrigin(req, appOrigin)) {
      // Remix repeats a host-only check against X-Forwarded-Host or Host and throws (a 500) on a
      // mismatch, e.g. behind a proxy that rewrites Host; hand it the host verified here.
      req.headers["x-forwarded-host"] = new URL(origin).host;
      return next();
    }
    res.status(403).type("text/plain").send("Forbidden: this request did not come from Pilotlab (Origin mismatch).");
  };
}
