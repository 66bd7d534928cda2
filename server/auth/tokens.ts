import { createHash, randomBytes } from "node:crypto";

/** 24 random bytes = 192 bits, base64url (32 chars). */
const TOKEN_BYTES = 24;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{32}$/;

export function generateToken(): string {
  return randomBytes(TOKEN_BYTES).toString("base64url");
}

export function isWellFormedToken(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

/** SHA-256 hex; what the database stores instead of a token. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
