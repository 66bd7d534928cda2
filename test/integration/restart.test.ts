import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { openDatabase, type Database } from "../../server/db/index.js";
import { DataDirLockedError, DataDirUnusableError } from "../../server/db/embedded.js";
import { readMigrations } from "../../server/db/migrate.js";
import type { Sql } from "../../server/db/sql.js";
import { ConfigError, loadConfig } from "../../server/config.js";
import { SERVER_BUNDLE } from "../../server/paths.js";
import { DEMO_EMAIL, DEMO_PASSWORD } from "../../server/seed.js";
import { createTestDatabase, usingRealPostgres, type TestDatabase } from "../helpers/db.js";
import { HttpClient, location, pageText } from "../helpers/http.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/**
 * A first start on an empty folder runs initdb on disk and seeds: ~5-10 s on an idle machine,
 * minutes on a machine busy with other test runs. Generous limits cost nothing when it is fast.
 */
const SLOW = 300_000;
const START_TIMEOUT = 240_000;

const tmpDirs: string[] = [];
function tmpDir(tag: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pilotlab-${tag}-`));
  tmpDirs.push(dir);
  return dir;
}

const children = new Set<ChildProcess>();
afterAll(() => {
  // Only the processes this file started, each by its own handle.
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  for (const dir of tmpDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** The pid of a process that has certainly exited. */
function deadPid(): number {
  const result = spawnSync(process.execPath, ["-e", ""]);
  expect(result.status).toBe(0);
  return result.pid!;
}

describe("embedded database on disk", () => {
  let dataDir: string;
  const lockFile = () => path.join(dataDir, "pilotlab.lock");
  beforeAll(() => {
    dataDir = tmpDir("data");
  });

  it(
    "keeps its data when closed and opened again on the same folder",
    async () => {
      // Starts from the migrated template where there is one (a first initdb on disk takes ~10 s;
      // the CLI tests below cover that path); the reopen reads only what is on disk.
      const template = usingRealPostgres ? undefined : new Blob([fs.readFileSync(inject("pgliteTemplate"))]);
      const first = await openDatabase({ databaseUrl: null, dataDir, loadDataDir: template });
      expect(first.mode).toBe("embedded");
      expect(fs.readFileSync(lockFile(), "utf8").trim()).toBe(String(process.pid));
      await first.sql`insert into users (name, email) values ('Persisted Person', 'persisted@example.com')`;
      await first.close();
      expect(fs.existsSync(lockFile())).toBe(false);

      const again = await openDatabase({ databaseUrl: null, dataDir });
      try {
        const rows = await again.sql`select name from users where email = 'persisted@example.com'`;
        expect(rows).toEqual([{ name: "Persisted Person" }]);
        const [{ n }] = await again.sql<{ n: number }[]>`select count(*)::int as n from schema_migrations`;
        expect(n).toBe(readMigrations().length);
      } finally {
        await again.close();
      }
    },
    SLOW,
  );

  it(
    "refuses a second open of a folder that is open, naming the folder, and the first keeps working",
    async () => {
      const first = await openDatabase({ databaseUrl: null, dataDir });
      try {
        const error = await openDatabase({ databaseUrl: null, dataDir }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DataDirLockedError);
        expect((error as Error).message).toContain(dataDir);
        expect((error as Error).message).toMatch(/Stop it first, or set DATA_DIR to another folder/);
        expect(await first.sql`select count(*)::int as n from users`).toEqual([{ n: 1 }]);
        // The refused attempt did not take the lock away from the holder.
        expect(fs.readFileSync(lockFile(), "utf8").trim()).toBe(String(process.pid));
      } finally {
        await first.close();
      }
    },
    SLOW,
  );

  it("refuses a folder whose lock names another live process, with its pid in the message", async () => {
    const sleeper = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60_000)"], { stdio: "ignore" });
    children.add(sleeper);
    try {
      fs.writeFileSync(lockFile(), String(sleeper.pid));
      const error = await openDatabase({ databaseUrl: null, dataDir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DataDirLockedError);
      expect((error as Error).message).toContain(`pid ${sleeper.pid}`);
      expect(fs.readFileSync(lockFile(), "utf8").trim()).toBe(String(sleeper.pid));
    } finally {
      sleeper.kill("SIGKILL");
      fs.rmSync(lockFile(), { force: true });
    }
  });

  it(
    "takes over a stale lock file left by a dead process (or holding garbage)",
    async () => {
      for (const stale of [String(deadPid()), "not a pid"]) {
        fs.writeFileSync(lockFile(), stale);
        const db = await openDatabase({ databaseUrl: null, dataDir });
        try {
          expect(fs.readFileSync(lockFile(), "utf8").trim()).toBe(String(process.pid));
          expect(await db.sql`select name from users`).toEqual([{ name: "Persisted Person" }]);
        } finally {
          await db.close();
        }
        expect(fs.existsSync(lockFile())).toBe(false);
      }
    },
    SLOW,
  );

  it(
    "creates a new folder's database in a child process, renamed into place, with a small buffer pool",
    async () => {
      const fresh = tmpDir("fresh");
      const db = await openDatabase({ databaseUrl: null, dataDir: fresh, runMigrations: false });
      try {
        expect(fs.existsSync(path.join(fresh, "pgdata", "PG_VERSION"))).toBe(true);
        // The folder initdb built in is gone (renamed to pgdata).
        expect(fs.readdirSync(fresh).sort()).toEqual(["pgdata", "pilotlab.lock"]);
        expect(await db.sql`show shared_buffers`).toEqual([{ shared_buffers: "32MB" }]);
        await db.sql`create table kept (x int)`;
        await db.sql`insert into kept values (7)`;
      } finally {
        await db.close();
      }
      const again = await openDatabase({ databaseUrl: null, dataDir: fresh, runMigrations: false });
      try {
        expect(await again.sql`select x from kept`).toEqual([{ x: 7 }]);
      } finally {
        await again.close();
      }
    },
    SLOW,
  );

  it("refuses a pgdata folder that holds files but no database, and leaves the files alone", async () => {
    const odd = tmpDir("odd");
    fs.mkdirSync(path.join(odd, "pgdata"), { recursive: true });
    fs.writeFileSync(path.join(odd, "pgdata", "notes.txt"), "not a database");
    const error = await openDatabase({ databaseUrl: null, dataDir: odd }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataDirUnusableError);
    expect((error as Error).message).toContain(path.join(odd, "pgdata"));
    expect((error as Error).message).toMatch(/no PG_VERSION file/);
    expect(fs.readFileSync(path.join(odd, "pgdata", "notes.txt"), "utf8")).toBe("not a database");
    // The lock was given back.
    expect(fs.existsSync(path.join(odd, "pilotlab.lock"))).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// The real command line: node build/server/index.mjs (what `npm start` and `npm run serve` run)

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Cli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exit: Promise<number | null>;
}

const CONFIG_VARS = ["PORT", "HOST", "APP_ORIGIN", "DATABASE_URL", "DATA_DIR", "SEED_DEMO", "LOG_LEVEL"];

function startCli(env: Record<string, string>): Cli {
  const base = { ...process.env };
  for (const name of CONFIG_VARS) delete base[name];
  const child = spawn(process.execPath, [SERVER_BUNDLE], {
    cwd: ROOT,
    env: { ...base, HOST: "127.0.0.1", LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (err += d));
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

/** Waits for `pattern` on stdout; fails early, with the output, when the process exits first. */
async function waitForOutput(cli: Cli, pattern: RegExp, timeoutMs = START_TIMEOUT): Promise<void> {
  const started = Date.now();
  let exited = false;
  void cli.exit.then(() => (exited = true));
  while (!pattern.test(cli.stdout())) {
    if (exited || Date.now() - started > timeoutMs) {
      throw new Error(`${exited ? "exited" : "timed out"} before ${pattern}\nstdout:\n${cli.stdout()}\nstderr:\n${cli.stderr()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stopCli(cli: Cli): Promise<number | null> {
  cli.child.kill("SIGTERM");
  return cli.exit;
}

/** Runs `fn` with a started CLI and makes sure it is gone afterwards, so a failure cannot leave it holding the data. */
async function withCli(env: Record<string, string>, fn: (cli: Cli) => Promise<void>): Promise<void> {
  const cli = startCli(env);
  try {
    await fn(cli);
  } finally {
    if (cli.child.exitCode === null && cli.child.signalCode === null) {
      cli.child.kill("SIGKILL");
      await cli.exit;
    }
  }
}

/** Where a CLI run keeps its data: a fresh data folder, or a fresh database on the real server. */
interface Target {
  env: Record<string, string>;
  dataDir: string;
  /** Runs queries against the target while no CLI holds it. */
  inspect<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

async function newTarget(): Promise<Target> {
  const dataDir = tmpDir("cli");
  if (usingRealPostgres) {
    const db: TestDatabase = await createTestDatabase({ migrate: false });
    return { env: { DATA_DIR: dataDir, DATABASE_URL: db.url! }, dataDir, inspect: (fn) => fn(db.sql), close: () => db.close() };
  }
  return {
    env: { DATA_DIR: dataDir },
    dataDir,
    async inspect(fn) {
      const db: Database = await openDatabase({ databaseUrl: null, dataDir, runMigrations: false });
      try {
        return await fn(db.sql);
      } finally {
        await db.close();
      }
    },
    close: async () => {},
  };
}

async function logInAsDemo(url: string) {
  const client = new HttpClient(url);
  const res = await client.post("/login", { email: DEMO_EMAIL, password: DEMO_PASSWORD });
  return { client, res };
}

describe(`the pilotlab command (${usingRealPostgres ? "DATABASE_URL" : "embedded data folder"})`, () => {
  let target: Target;
  beforeAll(async () => {
    target = await newTarget();
  });
  afterAll(async () => {
    await target?.close();
  });

  it(
    "starts on an empty database, prints its URL and the demo login, serves pages, and exits 0 on SIGTERM",
    async () => {
      const port = await freePort();
      await withCli({ ...target.env, PORT: String(port) }, async (cli) => {
        await waitForOutput(cli, /Pilotlab is running at/);
        const url = `http://127.0.0.1:${port}`;
        expect(cli.stdout()).toContain(`Pilotlab is running at ${url}`);
        expect(cli.stdout()).toContain(`Demo login: ${DEMO_EMAIL} / ${DEMO_PASSWORD}`);
        expect(cli.stdout()).toContain(usingRealPostgres ? "Database: PostgreSQL (DATABASE_URL)" : `Database: embedded PGlite in ${target.dataDir}`);

        const home = await fetch(url);
        expect(home.status).toBe(200);
        const { client, res } = await logInAsDemo(url);
        expect(res.status).toBe(302);
        const landing = await client.get("/");
        expect(location(landing)).toMatch(/^\/w\/[0-9a-f-]{36}$/);
        const overview = await client.get(location(landing)!);
        expect(overview.status).toBe(200);
        expect(await pageText(overview)).toContain("Northwind Learning Lab");

        expect(await stopCli(cli)).toBe(0);
        expect(cli.stderr()).toBe("");
      });
      if (!usingRealPostgres) expect(fs.existsSync(path.join(target.dataDir, "pilotlab.lock"))).toBe(false);
    },
    SLOW,
  );

  it(
    "started again on the same database, keeps the demo data and does not seed it twice",
    async () => {
      const port = await freePort();
      await withCli({ ...target.env, PORT: String(port) }, async (cli) => {
        await waitForOutput(cli, /Pilotlab is running at/);
        const { res } = await logInAsDemo(`http://127.0.0.1:${port}`);
        expect(res.status).toBe(302);
        expect(await stopCli(cli)).toBe(0);
      });

      const counts = await target.inspect(async (sql) => {
        const [row] = await sql<{ workspaces: number; users: number; dana: number; migrations: number }[]>`
          select (select count(*)::int from workspaces where name = 'Northwind Learning Lab') as workspaces,
                 (select count(*)::int from users) as users,
                 (select count(*)::int from users where email = ${DEMO_EMAIL}) as dana,
                 (select count(*)::int from schema_migrations) as migrations`;
        return row;
      });
      expect(counts).toEqual({ workspaces: 1, users: 5, dana: 1, migrations: readMigrations().length });
    },
    SLOW,
  );

  it(
    "with SEED_DEMO=0 on an empty database starts with no users and offers no demo login",
    async () => {
      const empty = await newTarget();
      try {
        const port = await freePort();
        await withCli({ ...empty.env, PORT: String(port), SEED_DEMO: "0" }, async (cli) => {
          await waitForOutput(cli, /Pilotlab is running at/);
          expect(cli.stdout()).not.toContain("Demo login");
          expect((await logInAsDemo(`http://127.0.0.1:${port}`)).res.status).toBe(400);
          expect(await stopCli(cli)).toBe(0);
        });
        const users = await empty.inspect(async (sql) => (await sql<{ n: number }[]>`select count(*)::int as n from users`)[0].n);
        expect(users).toBe(0);
      } finally {
        await empty.close();
      }
    },
    SLOW,
  );

  it("refuses to start on a data folder another process holds: exit code 75 and a message naming the folder", async () => {
    const dataDir = tmpDir("locked");
    // This test process is alive and is not the child: to the child, the folder is in use.
    fs.writeFileSync(path.join(dataDir, "pilotlab.lock"), String(process.pid));
    const cli = startCli({ DATA_DIR: dataDir, PORT: String(await freePort()) });
    expect(await cli.exit).toBe(75);
    expect(cli.stderr()).toContain(`Another Pilotlab process (pid ${process.pid}) is using this data folder`);
    expect(cli.stderr()).toContain(dataDir);
    expect(cli.stdout()).not.toContain("Pilotlab is running at");
    expect(fs.readFileSync(path.join(dataDir, "pilotlab.lock"), "utf8")).toBe(String(process.pid));
  }, SLOW);

  it("refuses PORT=abc: a non-zero exit and a message naming PORT, before touching any database", async () => {
    const dataDir = tmpDir("badport");
    const cli = startCli({ DATA_DIR: dataDir, PORT: "abc" });
    const code = await cli.exit;
    expect(code).not.toBe(0);
    expect(code).toBe(78);
    expect(cli.stderr()).toContain("Invalid configuration");
    expect(cli.stderr()).toContain("PORT: must be a number");
    expect(fs.readdirSync(dataDir)).toEqual([]);
  }, SLOW);
});

describe("configuration", () => {
  const problems = (env: Record<string, string>): string[] => {
    try {
      loadConfig(env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).problems;
    }
    throw new Error(`expected ${JSON.stringify(env)} to be refused`);
  };

  // toMatchObject: the settings of the foundation; later features add their own.
  it("defaults to port 3000 on all interfaces, embedded data in ./data, the demo seeded, no fixed origin", () => {
    expect(loadConfig({})).toMatchObject({
      port: 3000,
      host: "0.0.0.0",
      appOrigin: null,
      databaseUrl: null,
      dataDir: path.resolve("./data"),
      seedDemo: true,
      logLevel: "info",
      secureCookies: false,
    });
  });

  it("treats empty variables as unset", () => {
    expect(loadConfig({ PORT: "", DATABASE_URL: "", APP_ORIGIN: "", SEED_DEMO: "" })).toMatchObject({ port: 3000, databaseUrl: null, appOrigin: null, seedDemo: true });
  });

  it("reads every variable", () => {
    const config = loadConfig({
      PORT: "8080",
      HOST: "127.0.0.1",
      APP_ORIGIN: "https://pilotlab.example.com/",
      DATABASE_URL: "postgresql://u@db:5432/pilotlab",
      DATA_DIR: "some/dir",
      SEED_DEMO: "off",
      LOG_LEVEL: "debug",
    });
    expect(config).toMatchObject({
      port: 8080,
      host: "127.0.0.1",
      appOrigin: "https://pilotlab.example.com",
      databaseUrl: "postgresql://u@db:5432/pilotlab",
      dataDir: path.resolve("some/dir"),
      seedDemo: false,
      logLevel: "debug",
      secureCookies: true,
    });
    expect(loadConfig({ APP_ORIGIN: "http://localhost:3000" }).secureCookies).toBe(false);
  });

  it("names each bad variable with a message a person can act on", () => {
    expect(problems({ PORT: "abc" })).toEqual(["PORT: must be a number"]);
    expect(problems({ PORT: "70000" })).toEqual(["PORT: must be between 0 and 65535"]);
    expect(problems({ PORT: "3.5" })).toEqual(["PORT: must be a whole number"]);
    expect(problems({ APP_ORIGIN: "https://pilotlab.example.com/app" })).toEqual(["APP_ORIGIN: must be an origin only (no path, query or fragment)"]);
    expect(problems({ APP_ORIGIN: "ftp://pilotlab.example.com" })).toEqual(["APP_ORIGIN: must start with http:// or https://"]);
    expect(problems({ APP_ORIGIN: "pilotlab" })).toEqual(["APP_ORIGIN: must be an origin such as https://pilotlab.example.com"]);
    expect(problems({ DATABASE_URL: "mysql://db/pilotlab" })).toEqual(["DATABASE_URL: must be a postgres:// or postgresql:// URL"]);
    expect(problems({ SEED_DEMO: "maybe" })).toEqual(["SEED_DEMO: must be one of 1/0, true/false, yes/no, on/off"]);
    expect(problems({ LOG_LEVEL: "loud" })[0]).toMatch(/^LOG_LEVEL: /);
  });

  it("lists every bad variable at once, in a message that says what is wrong", () => {
    let error: unknown;
    try {
      loadConfig({ PORT: "abc", SEED_DEMO: "maybe", DATABASE_URL: "mysql://x" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toHaveLength(3);
    expect((error as Error).message).toMatch(/^Invalid configuration:\n {2}- /);
    for (const name of ["PORT", "SEED_DEMO", "DATABASE_URL"]) expect((error as Error).message).toContain(`${name}: `);
  });
});
