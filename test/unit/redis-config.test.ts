/** REDIS_URL: optional (one instance), read when set, refused with a usable message when malformed. */
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../server/config.js";
import { decodeDocMessage } from "../../server/collab/crossInstance.js";

describe("REDIS_URL", () => {
  it("is unset (this process is the only instance) by default and when empty", () => {
    expect(loadConfig({}).redisUrl).toBeNull();
    expect(loadConfig({ REDIS_URL: "" }).redisUrl).toBeNull();
  });

  it("takes redis:// and rediss:// URLs", () => {
    expect(loadConfig({ REDIS_URL: "redis://127.0.0.1:6379" }).redisUrl).toBe("redis://127.0.0.1:6379");
    expect(loadConfig({ REDIS_URL: "rediss://user:secret@cache.internal:6380/2" }).redisUrl).toBe("rediss://user:secret@cache.internal:6380/2");
  });

  it("refuses anything else, naming the variable and the expected form", () => {
    for (const bad of ["127.0.0.1:6379", "http://cache:6379", "redis://", "postgres://db/x"]) {
      let error: unknown;
      try {
        loadConfig({ REDIS_URL: bad });
      } catch (e) {
        error = e;
      }
      expect(error, bad).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual(["REDIS_URL: must be a redis:// or rediss:// URL such as redis://127.0.0.1:6379"]);
    }
  });
});

describe("REDIS_PREFIX", () => {
  it("defaults to pilotlab and takes a deployment's own prefix", () => {
    expect(loadConfig({}).redisPrefix).toBe("pilotlab");
    expect(loadConfig({ REDIS_PREFIX: "pilotlab-staging" }).redisPrefix).toBe("pilotlab-staging");
    expect(loadConfig({ REDIS_PREFIX: "" }).redisPrefix).toBe("pilotlab");
  });

  it("refuses spaces, wildcards and overlong prefixes, naming the variable", () => {
    for (const bad of ["two words", "pilot*", "a".repeat(65), "ü"]) {
      let error: unknown;
      try {
        loadConfig({ REDIS_PREFIX: bad });
      } catch (e) {
        error = e;
      }
      expect(error, bad).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual(["REDIS_PREFIX: must be 1 to 64 letters, digits, or _ . : - (such as pilotlab-staging)"]);
    }
  });
});

describe("document messages between instances", () => {
  it("refuses bytes that are not a document message (they are dropped, never applied)", () => {
    expect(() => decodeDocMessage(Buffer.from([]))).toThrow(/unknown document message/);
    expect(() => decodeDocMessage(Buffer.from([7, 1, 2]))).toThrow(/unknown document message/);
    // An update without its 8-byte seq and payload.
    expect(() => decodeDocMessage(Buffer.from([0, 1, 2, 3]))).toThrow(/unknown document message/);
  });
});
