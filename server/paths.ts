import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The project's root folder: the nearest one above this module holding package.json. Found rather
 * than fixed, because this module runs both from its source (`server/`, under tsx in tests) and
 * from the server bundle in `build/server/` (what `npm start` runs).
 */
export const PROJECT_ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));

/** The server bundle that `npm run build` writes and `npm start` / `npm run serve` run. */
export const SERVER_BUNDLE = path.join(PROJECT_ROOT, "build", "server", "index.mjs");

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "package.json"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}
