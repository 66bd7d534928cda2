import type { Request, Response, NextFunction } from "express";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/** What route actions read with request.formData(). Add "application/json" here when an action reads JSON. */
const ACCEPTED = new Set(["application/x-www-form-urlencoded", "multipart/form-data"]);

/**
 * Refuses mutating requests whose body no action can read (JSON, text/plain, no Content-Type, …)
 * with 415, instead of letting request.formData() throw into a 500.
 */
export function acceptedContentType() {
  return (req: Request, res: Response, next: NextFunction) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const type = (req.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
    if (ACCEPTED.has(type)) return next();
    res.status(415).type("text/plain").send("Unsupported media type: send a form (application/x-www-form-urlencoded or multipart/form-data).");
  };
}
