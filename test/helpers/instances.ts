/**
 * Real server processes for tests that need more than one instance, or need to kill one:
 * `node build/server/index.mjs` (the bundle `npm start` runs) on a free port, and a TCP proxy in front of a service
 * (Redis) that a test can cut and restore without touching the service other runs share.
 */
import net from "node:net";
import path from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { SERVER_BUNDLE } from "../../server/paths.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Configuration variables a child must not inherit from the test's environment. */
const CONFIG_VARS = ["PORT", "HOST", "APP_ORIGIN", "DATABASE_URL", "DATA_DIR", "SEED_DEMO", "LOG_LEVEL", "COLLAB_MAX_MESSAGE_BYTES", "REDIS_URL"];

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface ServerProcess {
  process: ChildProcess;
  url: string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything it printed so far. */
  output(): string;
  /** SIGKILL (if still running) and wait for the exit. */
  kill(): Promise<void>;
}

/** Starts the server as a child process with `env` (on top of a free port) and waits until it answers HTTP. */
export async function startServerProcess(env: Record<string, string>, timeoutMs = 120_000): Promise<ServerProcess> {
  const port = await freePort();
  const childEnv = { ...process.env };
  for (const name of CONFIG_VARS) delete childEnv[name];
  Object.assign(childEnv, { HOST: "127.0.0.1", LOG_LEVEL: "warn", ...env, PORT: String(port) });
  const child = spawn(process.execPath, [SERVER_BUNDLE], { cwd: ROOT, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  let exited = false;
  void exit.then(() => (exited = true));
  const kill = async () => {
    if (!exited) child.kill("SIGKILL");
    await exit;
  };
  const url = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    if (exited) throw new Error(`server exited during start:\n${output}`);
    if (Date.now() - started > timeoutMs) {
      await kill();
      throw new Error(`server did not start in time:\n${output}`);
    }
    const ok = await fetch(`${url}/login`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { process: child, url, exit, output: () => output, kill };
}

export interface TcpProxy {
  /** host:port to connect to instead of the target. */
  readonly port: number;
  /** Drops every open connection and refuses new ones (the target seems gone). */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/** A TCP proxy to `target` (host:port), to simulate that service going away and coming back. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  let cut = false;
  const server = net.createServer((client) => {
    if (cut) return client.destroy();
    const upstream = net.connect(target.port, target.host);
    open.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const cutAll = () => {
    cut = true;
    for (const socket of open) socket.destroy();
    open.clear();
  };
  return {
    port: (server.address() as net.AddressInfo).port,
    cut: cutAll,
    restore() {
      cut = false;
    },
    async close() {
      cutAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
