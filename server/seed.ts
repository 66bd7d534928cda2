import type { Sql } from "./db/index.js";
import type { Role } from "../app/lib/policy.js";
import type { Stage } from "../app/lib/domain.js";
import { hashPassword } from "./auth/password.js";
import * as Y from "yjs";
import { insertInitialDocument } from "./services/prototypes.js";
import { DEMO_DESIGNS } from "./demoDesigns.js";
import { seedDemoEvidence } from "./demoEvidence.js";
import { seedDemoReview } from "./demoReview.js";
import { insertSprint } from "./services/sprints.js";
import { sprintDocName } from "../app/lib/editor/docName.js";
import { DEFAULT_PHASES } from "../app/lib/sprints/phases.js";
import { addCluster, addIdea, ideasMap } from "../app/lib/sprints/ideas.js";

/** Advisory lock key so two processes starting on an empty database seed it once. */
const SEED_LOCK_KEY = 4_202_612;

export const DEMO_PASSWORD = "pilotlab-demo";
export const DEMO_EMAIL = "dana@example.com";

const PEOPLE: { name: string; email: string; role: Role }[] = [
  { name: "Dana Ortiz", email: DEMO_EMAIL, role: "owner" },
  { name: "Sam Okafor", email: "sam@example.com", role: "facilitator" },
  { name: "Priya Raman", email: "priya@example.com", role: "editor" },
  { name: "Marcus Bell", email: "marcus@example.com", role: "commenter" },
  { name: "Ana Costa", email: "ana@example.com", role: "viewer" },
];

const GOALS = [
  {
    title: "Cut time-to-productivity for new sales reps by 30%",
    description: "New account executives take 7 months to reach quota. The sales VP wants that under 5 by next fiscal year.",
    owner: "marcus@example.com",
  },
  {
    title: "Every first-line manager coaches weekly",
    description: "Engagement survey: only 38% of teams report a coaching conversation in the last month.",
    owner: DEMO_EMAIL,
  },
  {
    title: "Halve recordable safety incidents in the warehouses",
    description: "Incidents cluster in the first 90 days of employment and on night shifts.",
    owner: "sam@example.com",
  },
];

const PROTOTYPES: { title: string; stage: Stage; goal: number; owner: string }[] = [
  { title: "Sales onboarding bootcamp in the flow of work", stage: "piloting", goal: 0, owner: "priya@example.com" },
  { title: "Manager coaching circles", stage: "prototyping", goal: 1, owner: DEMO_EMAIL },
  { title: "Five-minute safety huddles on the shift tablet", stage: "idea", goal: 2, owner: "sam@example.com" },
  { title: "Deal-review clinics led by top performers", stage: "scaling", goal: 0, owner: "priya@example.com" },
];

/** The demo sprint: run by the facilitator, the other contributors taking part, in its ideas phase. */
const SPRINT = {
  name: "First 90 days of a new manager",
  challenge: "How might new first-line managers start coaching their teams in their first month?",
  goal: "Two ideas worth a two-week pilot",
  facilitator: "sam@example.com",
  participants: [DEMO_EMAIL, "priya@example.com", "marcus@example.com"],
  /** Sketch: the ideas board is open. */
  phase: 1,
  clusters: [
    {
      name: "Learning from peers",
      ideas: [
        { text: "Coaching circles of four new managers, every other week", author: "priya@example.com" },
        { text: "Shadow an experienced manager's 1:1 in week two", author: DEMO_EMAIL },
      ],
    },
    {
      name: "Nudges in the flow of work",
      ideas: [
        { text: "A weekly five-minute coaching prompt in the team chat", author: "marcus@example.com" },
        { text: "Calendar template with a recurring coaching slot per report", author: "priya@example.com" },
        { text: "One-page coaching question card for the first 1:1s", author: DEMO_EMAIL },
      ],
    },
  ],
};

/** The demo sprint's ideas document, as one stored update (the board reads it like any client's). */
function sprintIdeasUpdate(people: Map<string, { id: string; name: string }>): Uint8Array {
  const doc = new Y.Doc();
  let createdAt = Date.now() - 60 * 60_000;
  for (const cluster of SPRINT.clusters) {
    const clusterId = addCluster(doc, cluster.name);
    for (const idea of cluster.ideas) {
      const id = addIdea(doc, { text: idea.text, clusterId, author: people.get(idea.author)! });
      ideasMap(doc).get(id)?.set("createdAt", (createdAt += 60_000));
    }
  }
  const update = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return update;
}

export interface SeedResult {
  seeded: boolean;
  demoLogin: { email: string; password: string } | null;
}

/** Seeds a demo workspace into an empty database; leaves any database with users alone. */
export async function seedDemo({ sql }: { sql: Sql }): Promise<SeedResult> {
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const seeded = await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${SEED_LOCK_KEY})`;
    const [{ n }] = await tx<{ n: number }[]>`select count(*)::int as n from users`;
    if (n > 0) return false;

    const ids = new Map<string, string>();
    for (const person of PEOPLE) {
      const [u] = await tx<{ id: string }[]>`insert into users (name, email) values (${person.name}, ${person.email}) returning id`;
      await tx`insert into user_passwords (user_id, hash) values (${u.id}, ${passwordHash})`;
      ids.set(person.email, u.id);
    }
    const [ws] = await tx<{ id: string }[]>`
      insert into workspaces (name, created_by) values ('Northwind Learning Lab', ${ids.get(DEMO_EMAIL)!}) returning id`;
    for (const person of PEOPLE) {
      await tx`insert into memberships (workspace_id, user_id, role) values (${ws.id}, ${ids.get(person.email)!}, ${person.role})`;
    }
    const goalIds: string[] = [];
    for (const goal of GOALS) {
      const [g] = await tx<{ id: string }[]>`
        insert into goals (workspace_id, title, description, owner_id)
        values (${ws.id}, ${goal.title}, ${goal.description}, ${ids.get(goal.owner)!}) returning id`;
      goalIds.push(g.id);
    }
    // Spread updated_at so the list shows a believable order.
    const prototypeIds: string[] = [];
    for (const [i, p] of PROTOTYPES.entries()) {
      const [row] = await tx<{ id: string }[]>`
        insert into prototypes (workspace_id, title, stage, owner_id, goal_id, created_at, updated_at)
        values (${ws.id}, ${p.title}, ${p.stage}, ${ids.get(p.owner)!}, ${goalIds[p.goal]},
                now() - ${(i + 1) * 26} * interval '1 hour', now() - ${i * 5} * interval '1 hour')
        returning id`;
      await insertInitialDocument(tx, { prototypeId: row.id, goalTitle: GOALS[p.goal].title, design: DEMO_DESIGNS[p.title] ?? null });
      prototypeIds.push(row.id);
    }
    const people = new Map(PEOPLE.map((p) => [p.email, { id: ids.get(p.email)!, name: p.name }]));
    // The piloting prototype: the leader's approval and comments, then its experiment cards and
    // the pulse form that gathers their evidence.
    await seedDemoReview(tx, { workspaceId: ws.id, prototypeId: prototypeIds[0], people });
    await seedDemoEvidence(tx, { workspaceId: ws.id, prototypeId: prototypeIds[0], people });
    const sprint = await insertSprint(tx, {
      workspaceId: ws.id,
      userId: ids.get(SPRINT.facilitator)!,
      name: SPRINT.name,
      challenge: SPRINT.challenge,
      goal: SPRINT.goal,
      phases: DEFAULT_PHASES,
      prototypeIds,
      participantIds: SPRINT.participants.map((email) => ids.get(email)!),
    });
    await tx`
      update sprints set current_phase = ${SPRINT.phase}, timer_duration_ms = ${DEFAULT_PHASES[SPRINT.phase].durationSeconds * 1000}
      where id = ${sprint.id}`;
    await tx`insert into doc_updates (doc_name, update) values (${sprintDocName(sprint.id)}, ${Buffer.from(sprintIdeasUpdate(people))})`;
    return true;
  });
  const [demo] = await sql`select 1 from users where lower(email) = ${DEMO_EMAIL}`;
  return { seeded, demoLogin: demo ? { email: DEMO_EMAIL, password: DEMO_PASSWORD } : null };
}
