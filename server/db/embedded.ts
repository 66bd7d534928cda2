import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { PGlite } from "@electric-sql/pglite";
import { PGliteSessions, type PGliteWire } from "./pgliteWire.js";

/**
 * Postgres' shared buffer pool inside PGlite's WebAssembly memory (Postgres' default is 128 MB).
 * A Pilotlab workspace's data is a few megabytes and the files sit in the OS page cache anyway.
 */
const SHARED_BUFFERS = "32MB";

export interface EmbeddedPostgres {
  /** Opens the one session postgres.js uses (its `socket` option); a new one ends the previous. */
  connect(): PGliteWire;
  /** Stops serving and returns a dump of the data folder (to start test databases from). */
  stopAndDump(): Promise<Blob>;
  stop(): Promise<void>;
}

export class DataDirLockedError extends Error {
  constructor(lockFile: string, pid: number) {
    super(
      `Another Pilotlab process (pid ${pid}) is using this data folder (${lockFile}). ` +
        `Stop it first, or set DATA_DIR to another folder.`,
    );
    this.name = "DataDirLockedError";
  }
}

/** DATA_DIR/pgdata holds files but no database: never initialised over (it may be someone's data). */
export class DataDirUnusableError extends Error {
  constructor(pgdata: string) {
    super(`${pgdata} is not empty but holds no database (no PG_VERSION file). Move it away, or set DATA_DIR to another folder.`);
    this.name = "DataDirUnusableError";
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Lock files this process holds: one naming our own pid is stale only when we do not hold it (pid reuse). */
const heldLocks = new Set<string>();

/** Takes DATA_DIR/pilotlab.lock; PGlite itself does not stop two processes opening one folder. */
function acquireLock(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockFile = path.resolve(dataDir, "pilotlab.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: "wx" });
      heldLocks.add(lockFile);
      return () => {
        heldLocks.delete(lockFile);
        fs.rmSync(lockFile, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = Number(fs.readFileSync(lockFile, "utf8").trim());
      const valid = Number.isInteger(holder) && holder > 0;
      if (valid && (holder === process.pid ? heldLocks.has(lockFile) : isAlive(holder))) {
        throw new DataDirLockedError(lockFile, holder);
      }
      // A stale lock from a process that died (kill -9): take it over.
      fs.rmSync(lockFile, { force: true });
    }
  }
  throw new Error(`Could not take the lock file in ${dataDir}`);
}

export interface EmbeddedOptions {
  /** Folder to persist into; null keeps the database in memory (tests). */
  dataDir: string | null;
  /** A dump made by PGlite's dumpDataDir() to start from (fast test databases). */
  loadDataDir?: Blob;
}

const run = promisify(execFile);

/**
 * Creates a new data folder (initdb) in a short-lived child process. PGlite runs initdb in a
 * second WebAssembly instance of its own, and the process that did it keeps ~450 MB more resident
 * for good (measured: 770–800 MB right after a first start, 170–330 MB when the folder exists).
 */
async function initDataDir(pgdata: string): Promise<void> {
  const script = `
    const { PGlite } = await import(${JSON.stringify(import.meta.resolve("@electric-sql/pglite"))});
    const db = await PGlite.create({ dataDir: process.argv[1] });
    await db.close();`;
  // Built beside the target and renamed into place, so an interrupted initdb leaves no half-made folder.
  const building = `${pgdata}.init-${process.pid}`;
  fs.rmSync(building, { recursive: true, force: true });
  try {
    await run(process.execPath, ["--input-type=module", "-e", script, building], { timeout: 120_000 });
    if (fs.existsSync(pgdata)) fs.rmdirSync(pgdata); // empty (checked by the caller)
    fs.renameSync(building, pgdata);
  } catch (error) {
    fs.rmSync(building, { recursive: true, force: true });
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`Could not create the embedded database in ${pgdata}${stderr ? `: ${stderr}` : ""}`, { cause: error });
  }
}

/** Starts PGlite in-process; postgres.js reaches it through `connect()` (no TCP). */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedPostgres> {
  const release = options.dataDir ? acquireLock(options.dataDir) : () => {};
  try {
    const pgdata = options.dataDir ? path.join(options.dataDir, "pgdata") : null;
    if (pgdata && !options.loadDataDir && !fs.existsSync(path.join(pgdata, "PG_VERSION"))) {
      if (fs.existsSync(pgdata) && fs.readdirSync(pgdata).length > 0) throw new DataDirUnusableError(pgdata);
      await initDataDir(pgdata);
    }
    const db = await PGlite.create({
      dataDir: pgdata ?? undefined,
      loadDataDir: options.loadDataDir,
      startParams: [...PGlite.defaultStartParams, "-c", `shared_buffers=${SHARED_BUFFERS}`],
    });
    const sessions = new PGliteSessions(db);
    return {
      connect: sessions.open,
      async stop() {
        await sessions.close();
        await db.close();
        release();
      },
      async stopAndDump() {
        await sessions.close();
        const dump = await db.dumpDataDir("none");
        await db.close();
        release();
        return dump;
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}
