import { hash, verify } from "@node-rs/argon2";
import { PASSWORD_MAX_LENGTH } from "../../app/lib/limits.js";

/** OWASP's argon2id baseline: 19 MiB memory, 2 iterations, 1 lane. */
const ARGON2_OPTIONS = { algorithm: 2 /* Algorithm.Argon2id (a const enum) */, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

function assertLength(password: string) {
  // Schemas cap input earlier; this guards every other caller against hashing megabytes.
  if (password.length > PASSWORD_MAX_LENGTH) throw new RangeError("Password is too long");
}

export async function hashPassword(password: string): Promise<string> {
  assertLength(password);
  return hash(password, ARGON2_OPTIONS);
}

export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  if (password.length > PASSWORD_MAX_LENGTH) return false;
  try {
    return await verify(storedHash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | null = null;

/** Spends the same work as a real check, so an unknown email answers as slowly as a wrong password. */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hash("pilotlab-timing-equaliser", ARGON2_OPTIONS);
  await verifyPassword(await dummyHash, password.slice(0, PASSWORD_MAX_LENGTH));
  return false;
}
