/**
 * The one entry of `npm run bench`: reads its arguments and runs the benchmarks, each in its own
 * child process (so one's servers, memory and listeners cannot skew the next) with this process's
 * environment, so the BENCH_* variables documented at the top of each file keep working.
 *
 * Usage: npm run bench                              run.ts, collab.ts and feedback.ts in sequence
 *        npm run bench -- --instances 2             collab.ts's scenarios on 1 vs N instances (N ≥ 2)
 *        npm run bench -- --soak [--instances 2]    soak.ts: 1,000 connections for BENCH_SOAK_MINUTES
 * Exit status: the first failing benchmark's, 2 for bad arguments.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));

const USAGE = `usage: npm run bench [-- [--instances N] [--soak]]
  (no options)      the page, collaboration and feedback benchmarks in sequence
  --instances N     the collaboration scenarios on one instance and on N (2 or more) sharing PostgreSQL and Redis
  --soak            1,000 connections for BENCH_SOAK_MINUTES (default 10), server RSS sampled every 10 s;
                    with --instances N the connections are spread over N instances
  --help            this text`;

/** Parsed options, or the message explaining why the arguments are wrong. */
function parse(args: string[]): { instances: number | null; soak: boolean } | { error: string } | "help" {
  let instances: number | null = null;
  let soak = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--help" || arg === "-h") return "help";
    if (arg === "--soak") soak = true;
    else if (arg === "--instances" || arg.startsWith("--instances=")) {
      const value = arg === "--instances" ? args[++i] : arg.slice("--instances=".length);
      if (value === undefined) return { error: "--instances needs a number, e.g. --instances 2" };
      if (!/^\d+$/.test(value) || Number(value) < 2) return { error: `--instances must be a whole number of 2 or more, got "${value}"` };
      instances = Number(value);
    } else return { error: `unknown argument "${arg}"` };
  }
  return { instances, soak };
}

function runChild(file: string, env: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(HERE, file)], { stdio: "inherit", env: { ...process.env, ...env } });
    child.once("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const options = parse(process.argv.slice(2));
if (options === "help") {
  console.log(USAGE);
} else if ("error" in options) {
  console.error(`${options.error}\n${USAGE}`);
  process.exitCode = 2;
} else {
  const plan: [string, Record<string, string>][] = options.soak
    ? [["soak.ts", { BENCH_INSTANCES: String(options.instances ?? 1) }]]
    : options.instances
      ? [["collab.ts", { BENCH_INSTANCES: String(options.instances) }]]
      : [
          ["run.ts", {}],
          ["collab.ts", {}],
          ["feedback.ts", {}],
        ];
  for (const [file, env] of plan) {
    const code = await runChild(file, env);
    if (code !== 0) {
      console.error(`bench: ${file} failed (exit ${code})`);
      process.exitCode = code;
      break;
    }
  }
}
