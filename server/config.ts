import path from "node:path";
import { z } from "zod";
import { DEFAULT_REDIS_PREFIX } from "./redis/fanout.js";

/** Runtime configuration, parsed once from the environment at start. */
export interface Config {
  port: number;
  host: string;
  /** Exact origin the app is served from; null means "same as the request's Host". */
  appOrigin: string | null;
  databaseUrl: string | null;
  dataDir: string;
  seedDemo: boolean;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  secureCookies: boolean;
  /** Largest collaboration WebSocket message accepted. */
  collabMaxMessageBytes: number;
  /**
   * Redis that several instances share to reach each other's clients (documents, live events,
   * access changes). Absent or null: this process is the only instance.
   */
  redisUrl?: string | null;
  /** Start of every Redis channel name; deployments sharing one Redis need different ones. */
  redisPrefix?: string;
}

const booleanFlag = z
  .enum(["0", "1", "true", "false", "yes", "no", "on", "off"], {
    message: "must be one of 1/0, true/false, yes/no, on/off",
  })
  .transform((v) => ["1", "true", "yes", "on"].includes(v));

const envSchema = z.object({
  PORT: z.coerce
    .number({ message: "must be a number" })
    .int("must be a whole number")
    .min(0, "must be between 0 and 65535")
    .max(65535, "must be between 0 and 65535")
    .default(3000),
  HOST: z.string().min(1).default("0.0.0.0"),
  APP_ORIGIN: z
    .string()
    // abort: the refinements below call new URL(), which throws on a value that is no URL at all.
    .url({ message: "must be an origin such as https://pilotlab.example.com", abort: true })
    .refine((v) => /^https?:\/\//.test(v), "must start with http:// or https://")
    .refine((v) => new URL(v).origin === v.replace(/\/$/, ""), "must be an origin only (no path, query or fragment)")
    .optional(),
  DATABASE_URL: z
    .string()
    .refine((v) => /^postgres(ql)?:\/\//.test(v), "must be a postgres:// or postgresql:// URL")
    .optional(),
  DATA_DIR: z.string().min(1).default("./data"),
  SEED_DEMO: booleanFlag.default(true),
  COLLAB_MAX_MESSAGE_BYTES: z.coerce
    .number({ message: "must be a number of bytes" })
    .int("must be a whole number of bytes")
    .min(1024, "must be at least 1024")
    .max(64 * 1024 * 1024, "must be at most 67108864 (64 MiB)")
    .default(1024 * 1024),
  REDIS_URL: z
    .string()
    .refine((v) => /^rediss?:\/\/[^/]/.test(v), "must be a redis:// or rediss:// URL such as redis://127.0.0.1:6379")
    .optional(),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, "must be 1 to 64 letters, digits, or _ . : - (such as pilotlab-staging)")
    .default(DEFAULT_REDIS_PREFIX),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Reads and validates the environment; throws ConfigError listing every bad value. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings count as unset, so `DATABASE_URL= npm start` means embedded.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  }
  const e = parsed.data;
  const appOrigin = e.APP_ORIGIN ? new URL(e.APP_ORIGIN).origin : null;
  return {
    port: e.PORT,
    host: e.HOST,
    appOrigin,
    databaseUrl: e.DATABASE_URL ?? null,
    dataDir: path.resolve(e.DATA_DIR),
    seedDemo: e.SEED_DEMO,
    logLevel: e.LOG_LEVEL,
    secureCookies: appOrigin?.startsWith("https://") ?? false,
    collabMaxMessageBytes: e.COLLAB_MAX_MESSAGE_BYTES,
    redisUrl: e.REDIS_URL ?? null,
    redisPrefix: e.REDIS_PREFIX,
  };
}
