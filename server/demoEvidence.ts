/**
 * The demo workspace's evidence loop, for the piloting prototype: three experiment cards (one
 * planned, one running whose criterion is bound to a pulse-survey question, one concluded as a
 * learning card) and that open pulse form with three weeks of participants' answers. Written the
 * way the running product stores them, so every page reads them as if people had done it: the
 * cards as one update of the prototype's document, the run records the collaboration server would
 * have written when they started, the list projection, the form, its answers and the binding.
 */
import { createHash, randomUUID } from "node:crypto";
import * as Y from "yjs";
import type { TransactionSql } from "./db/index.js";
import { prototypeDocName } from "../app/lib/editor/docName.js";
import { cardText, cardsMap, createCard, moveCard, rawText, readCards, setCardValue, type Rating, type TextField } from "../app/lib/experiments/cards.js";
import { writeProjection } from "./services/experiments.js";
import { newPublicToken } from "./services/feedback.js";
import { loadDocumentState } from "./collab/updateLog.js";
import { demoPerson, type DemoPeople } from "./demoReview.js";

const DAY = 86_400_000;

interface DemoCard {
  name: string;
  owner: string;
  /** Days from now (negative: past). */
  deadlineInDays: number;
  text: Partial<Record<TextField, string>>;
  ratings: Record<Rating, number>;
  /** Absent: still planned. */
  started?: { daysAgo: number; by: string };
  concluded?: { status: "validated" | "invalidated" | "inconclusive"; daysAgo: number; by: string; decision: "persevere" | "pivot" | "retire" | "continue" };
}

const LIVE_CALLS: DemoCard = {
  name: "Live calls from week 3",
  owner: "priya@example.com",
  deadlineInDays: 19,
  text: {
    hypothesis: "New reps who run live discovery calls on a starter territory from week 3 reach their first qualified meeting sooner than reps kept in the classroom.",
    test: "Give both pilot cohorts a starter territory in week 2 and ask every rep each Friday whether they ran a live discovery call that week.",
    metric: "Share of Friday pulse answers saying the rep ran at least one live discovery call that week",
    criterion: "At least 60% say yes, over at least 20 answers",
  },
  ratings: { critical: 3, cost: 1, reliability: 2, time: 2 },
  started: { daysAgo: 17, by: "priya@example.com" },
};

const DEAL_BUDDIES: DemoCard = {
  name: "Deal buddies halve call preparation",
  owner: "sam@example.com",
  deadlineInDays: 14,
  text: {
    hypothesis: "Reps who role-play a first discovery call with a senior deal buddy need half the preparation time of reps who prepare alone.",
    test: "For two weeks, 12 reps log their preparation minutes before each first call; six of them role-play with their buddy first.",
    metric: "Median minutes of preparation per first discovery call, per group",
    criterion: "The buddy group's median is at most half the other group's",
  },
  ratings: { critical: 2, cost: 1, reliability: 2, time: 1 },
};

const CLASSROOM_WEEK: DemoCard = {
  name: "A product classroom week before any call",
  owner: "dana@example.com",
  deadlineInDays: -30,
  text: {
    hypothesis: "A full classroom week of product training before any customer contact makes new reps' first discovery calls better.",
    test: "Score the first recorded discovery call of last spring's cohort (classroom week) and of the cohort before it (no classroom week) against the discovery rubric.",
    metric: "Mean discovery-rubric score (1–4) of each rep's first recorded call",
    criterion: "The classroom cohort scores at least 0.5 points higher",
    observed: "Both cohorts averaged 2.1 out of 4. In interviews, reps could recall little of the product detail by their first call.",
    learned: "Product knowledge taught weeks ahead of need does not reach the call; practice on real calls does.",
    therefore: "Pivot: replace the classroom week with 10-minute product modules pulled up in the CRM when a deal needs them.",
  },
  ratings: { critical: 3, cost: 2, reliability: 3, time: 2 },
  started: { daysAgo: 46, by: "dana@example.com" },
  concluded: { status: "invalidated", daysAgo: 31, by: "dana@example.com", decision: "pivot" },
};

const PULSE = {
  title: "Friday pulse: bootcamp sprints",
  intro: "Two minutes, every Friday of the pilot. Your answers decide what the next sprint changes.",
  owner: "priya@example.com",
  openedDaysAgo: 17,
  responses: 26,
};

/** Answers to the open question: they share phrases, so the results page finds themes in them. */
const CHANGES = [
  "More call reviews with my manager, they help the most.",
  "Start the starter territory in week one, not week two.",
  "Fewer slides, more call reviews.",
  "The role-play with my deal buddy felt close to a real call.",
  "Product modules are short enough to use right before a call.",
  "More time on the starter territory and less time in sessions.",
  "Call reviews on Friday were the best hour of the week.",
  "The discovery rubric made feedback on my calls concrete.",
  "Shorter Friday debrief, it ran long twice.",
  "",
];
const NPS_WHY = ["Real calls from week 3 beat sitting in a classroom.", "Good, but the Friday debrief ran long.", "The deal buddy made the first calls less scary.", ""];

/** A small deterministic generator, so every new demo workspace holds the same answers. */
function generator(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Adds the cards, the pulse form and its answers to the prototype `prototypeId` (whose starting
 * document is already in the update log), inside the seed's transaction.
 */
export async function seedDemoEvidence(
  tx: TransactionSql,
  { workspaceId, prototypeId, people, now = Date.now() }: { workspaceId: string; prototypeId: string; people: DemoPeople; now?: number },
): Promise<void> {
  const docName = prototypeDocName(prototypeId);
  const person = (email: string) => demoPerson(people, email).id;

  // The cards, written on top of the stored document as one more update.
  const doc = new Y.Doc();
  const stored = await loadDocumentState(tx, docName);
  if (stored.update) Y.applyUpdate(doc, stored.update);
  const before = Y.encodeStateVector(doc);
  const ids = new Map<DemoCard, string>();
  for (const card of [CLASSROOM_WEEK, LIVE_CALLS, DEAL_BUDDIES]) {
    const id = randomUUID();
    ids.set(card, id);
    const createdAt = now - ((card.started?.daysAgo ?? 6) + 3) * DAY;
    createCard(doc, { id, name: card.name, createdBy: person(card.owner), now: createdAt });
    for (const [field, value] of Object.entries(card.text)) if (value) cardText(doc, id, field as TextField)!.insert(0, value);
    for (const [rating, value] of Object.entries(card.ratings)) setCardValue(doc, id, rating as Rating, value);
    setCardValue(doc, id, "owner", person(card.owner));
    setCardValue(doc, id, "deadline", new Date(now + card.deadlineInDays * DAY).toISOString().slice(0, 10));
    if (card.started) {
      moveCard(doc, id, "running", 0);
      const value = cardsMap(doc).get(id)!;
      value.set("startedAt", now - card.started.daysAgo * DAY);
      value.set("startedBy", person(card.started.by));
    }
    if (card.concluded) {
      moveCard(doc, id, card.concluded.status, 0);
      setCardValue(doc, id, "decision", card.concluded.decision);
    }
  }
  const update = Y.encodeStateAsUpdate(doc, before);
  const [{ seq }] = await tx<{ seq: string }[]>`insert into doc_updates (doc_name, update) values (${docName}, ${Buffer.from(update)}) returning seq`;

  // What the collaboration server records when a card starts (and when it is concluded).
  const state = Buffer.from(Y.encodeStateAsUpdate(doc));
  for (const [card, id] of ids) {
    if (!card.started) continue;
    const value = cardsMap(doc).get(id)!;
    await tx`
      insert into experiment_runs (prototype_id, card_id, name, hypothesis, test, metric, criterion, started_by, started_at, doc_seq, doc_state,
                                   verdict, decision, concluded_by, concluded_at)
      values (${prototypeId}, ${id}, ${card.name}, ${rawText(value, "hypothesis")}, ${rawText(value, "test")}, ${rawText(value, "metric")},
              ${rawText(value, "criterion")}, ${person(card.started.by)}, ${new Date(value.get("startedAt") as number)}, ${seq}, ${state},
              ${card.concluded?.status ?? null}, ${card.concluded?.decision ?? null}, ${card.concluded ? person(card.concluded.by) : null},
              ${card.concluded ? new Date(now - card.concluded.daysAgo * DAY) : null})`;
  }
  await writeProjection(tx, prototypeId, readCards(doc));
  doc.destroy();

  await seedPulse(tx, { workspaceId, prototypeId, cardId: ids.get(LIVE_CALLS)!, owner: person(PULSE.owner), now });
}

/** The open pulse form that gathers evidence for the live-calls card, with its answers and the binding. */
async function seedPulse(tx: TransactionSql, { workspaceId, prototypeId, cardId, owner, now }: { workspaceId: string; prototypeId: string; cardId: string; owner: string; now: number }) {
  const openedAt = new Date(now - PULSE.openedDaysAgo * DAY);
  const [form] = await tx<{ id: string }[]>`
    insert into feedback_forms (workspace_id, prototype_id, card_id, title, intro, status, public_token, created_by, created_at, updated_at, opened_at)
    values (${workspaceId}, ${prototypeId}, ${cardId}, ${PULSE.title}, ${PULSE.intro}, 'open', ${newPublicToken()}, ${owner},
            ${new Date(openedAt.getTime() - DAY)}, ${openedAt}, ${openedAt})
    returning id`;
  const choice = (label: string, i: number) => ({ id: `demo${i}`, label });
  const yes = choice("Yes", 1);
  const notYet = choice("Not yet", 2);
  const parts = ["Call reviews", "Role-play with my deal buddy", "10-minute product modules", "Friday debrief with my manager"].map((label, i) => choice(label, i + 3));
  const questions = [
    { kind: "rating", prompt: "How useful was this week's sprint for your real calls?", required: true, level: 1, choices: [], low: "Not useful", high: "Very useful" },
    { kind: "nps", prompt: "How likely are you to recommend this bootcamp to the next cohort of new reps?", required: false, level: 1, choices: [], low: "", high: "" },
    { kind: "single", prompt: "Did you run at least one live discovery call this week?", required: true, level: 3, choices: [yes, notYet], low: "", high: "" },
    { kind: "multiple", prompt: "Which parts of the sprint helped you most?", required: false, level: 2, choices: parts, low: "", high: "" },
    { kind: "text", prompt: "What should we change for the next sprint?", required: false, level: 1, choices: [], low: "", high: "" },
  ];
  const questionIds: string[] = [];
  for (const [i, q] of questions.entries()) {
    const [row] = await tx<{ id: string }[]>`
      insert into feedback_questions (form_id, position, kind, prompt, required, level, choices, low_label, high_label, created_at)
      values (${form.id}, ${i + 1}, ${q.kind}, ${q.prompt}, ${q.required}, ${q.level}, ${tx.json(q.choices)}, ${q.low}, ${q.high}, ${openedAt})
      returning id`;
    questionIds.push(row.id);
  }

  const random = generator(2026);
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)];
  const responses: { id: string; form_id: string; submission_id: string; ip_hash: string; submitted_at: Date }[] = [];
  const answers: { response_id: string; question_id: string; number_value: number | null; choice_ids: string[] | null; text_value: string | null; submitted_at: string }[] = [];
  for (let i = 0; i < PULSE.responses; i++) {
    // Spread over the weeks the form has been open, later weeks a little more positive.
    const daysAgo = PULSE.openedDaysAgo * (1 - (i + random() * 0.8) / PULSE.responses);
    const submittedAt = new Date(now - daysAgo * DAY);
    const later = i / PULSE.responses;
    const rating = Math.min(5, Math.max(2, Math.round(3 + later * 1.4 + (random() - 0.4) * 1.6)));
    const nps = Math.min(10, Math.max(3, Math.round(6.5 + later * 2.5 + (random() - 0.5) * 4.5)));
    const ranCall = random() < 0.55 + later * 0.3;
    const helped = parts.filter(() => random() < 0.45);
    const why = pick(NPS_WHY);
    const change = pick(CHANGES);
    const id = randomUUID();
    responses.push({ id, form_id: form.id, submission_id: randomUUID(), ip_hash: createHash("sha256").update(`demo:${i}`).digest("hex"), submitted_at: submittedAt });
    const answer = (question: string, value: { number?: number; choices?: string[]; text?: string }) =>
      answers.push({
        response_id: id,
        question_id: question,
        number_value: value.number ?? null,
        choice_ids: value.choices ?? null,
        text_value: value.text ?? null,
        submitted_at: submittedAt.toISOString(),
      });
    answer(questionIds[0], { number: rating });
    answer(questionIds[1], { number: nps, text: why || undefined });
    answer(questionIds[2], { choices: [ranCall ? yes.id : notYet.id] });
    if (helped.length) answer(questionIds[3], { choices: helped.map((c) => c.id) });
    if (change) answer(questionIds[4], { text: change });
  }
  await tx`insert into feedback_responses ${tx(responses)}`;
  await tx`
    insert into feedback_answers (response_id, question_id, form_id, number_value, choice_ids, text_value, submitted_at)
    select a.response_id, a.question_id, ${form.id}, a.number_value, a.choice_ids, a.text_value, a.submitted_at
    from jsonb_to_recordset(${tx.json(answers)}::jsonb)
      as a(response_id uuid, question_id uuid, number_value smallint, choice_ids text[], text_value text, submitted_at timestamptz)`;

  // The card's criterion, judged by the live-call question.
  await tx`
    insert into criterion_bindings (prototype_id, card_id, question_id, rule, threshold, choice_id, min_responses, created_by, created_at)
    values (${prototypeId}, ${cardId}, ${questionIds[2]}, 'share_gte', 60, ${yes.id}, 20, ${owner}, ${openedAt})`;
}
