import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { BUILD_PATH } from "../../server/app.js";
import { SERVER_BUNDLE } from "../../server/paths.js";
import { startEmbeddedPostgres } from "../../server/db/embedded.js";
import { createSql } from "../../server/db/sql.js";
import { migrate } from "../../server/db/migrate.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** File holding a migrated PGlite data dump that each embedded test database starts from. */
    pgliteTemplate: string;
  }
}

/** Checks the build exists and prepares one migrated embedded database to copy per test file. */
export default async function setup(project: TestProject) {
  if (!fs.existsSync(BUILD_PATH)) {
    throw new Error(`No app build at ${BUILD_PATH}. Run the tests with "npm test" (it builds first) or run "npm run build".`);
  }
  if (!fs.existsSync(SERVER_BUNDLE)) {
    throw new Error(`No server bundle at ${SERVER_BUNDLE}. Run the tests with "npm test" (it builds first) or run "npm run build".`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pilotlab-template-"));
  const file = path.join(dir, "template.tar");
  if (!process.env.TEST_DATABASE_URL) {
    const pg = await startEmbeddedPostgres({ dataDir: null });
    const sql = createSql({ embedded: pg.connect, max: 1 });
    await migrate(sql);
    await sql.end();
    const dump = await pg.stopAndDump();
    fs.writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  }
  project.provide("pgliteTemplate", file);
  return () => fs.rmSync(dir, { recursive: true, force: true });
}
