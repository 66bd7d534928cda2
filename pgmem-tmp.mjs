import { PGlite } from "@electric-sql/pglite";
const opts = JSON.parse(process.argv[2] || "{}");
const db = await PGlite.create(opts);
console.log((await db.query("show shared_buffers")).rows[0], Math.round(process.memoryUsage().rss/1e6));
await db.close();
