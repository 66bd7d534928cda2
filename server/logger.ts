import pino from "pino";
import type { Config } from "./config.js";

export type Logger = pino.Logger;

/** One JSON logger for the process; tests pass "silent" or a higher level. */
export function createLogger(level: Config["logLevel"]): Logger {
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime });
}
