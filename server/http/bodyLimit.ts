import type { Request, Response, NextFunction } from "express";
import { MAX_REQUEST_BODY_BYTES } from "../../app/lib/limits.js";

/**
 * Refuses oversized bodies before anything reads them. Bodies must declare their length
 * (browsers always do for forms), so the check needs no buffering.
 */
export function bodyLimit(maxBytes = MAX_REQUEST_BODY_BYTES) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.get("transfer-encoding") && !req.get("content-length")) {
      res.status(411).set("Connection", "close").type("text/plain").send("Length required: send a Content-Length header.");
      return;
    }
    if (Number(req.get("content-length") ?? 0) > maxBytes) {
      res.status(413).set("Connection", "close").type("text/plain").send(`Payload too large: the limit is ${maxBytes} bytes.`);
      return;
    }
    next();
  };
}
