import * as Y from "yjs";
import {
  LOCKED_FIELDS,
  MAX_CARDS,
  cardToMap,
  cardsMap,
  isStarted,
  isVerdict,
  rawText,
  readCard,
  readCards,
  type Card,
  type CardStatus,
  type Decision,
  type LockedField,
  type Verdict,
} from "../../app/lib/experiments/cards.js";
import type { Logger } from "../logger.js";
import type { Experiments } from "../services/experiments.js";

/** A card's bound criterion and what the evidence says now. */
export interface BoundEvidence {
  rule: string;
  threshold: number;
  minResponses: number;
  questionId: string;
  evaluation: { value: number | null; n: number; met: boolean | null; verdict: Verdict | null };
}

/** Origin of the guard's own corrections (they are not checked again). */
export const GUARD_ORIGIN = Symbol("experiment-guard");

/** What the guard needs from the loaded document. */
export interface GuardHost {
  readonly name: string;
  readonly doc: Y.Doc;
  /** Highest update-log seq merged into the document. */
  readonly maxSeq: number;
  /** Resolves once every update applied so far is durable. */
  persisted(): Promise<void>;
}

interface Lock {
  values: Record<LockedField, string>;
  startedAt: number;
  startedBy: string | null;
  /** Last accepted status (a started card never goes back to planned). */
  status: CardStatus;
  verdict: Verdict | null;
  decision: Decision | null;
  /** Last accepted content, to restore a started card someone deleted. */
  last: Card | null;
}

/**
 * Enforces the experiment-card lock on one prototype document. When a card leaves `planned`, the
 * server records its test card in Postgres (experiment_runs) and from then on any change to the
 * locked fields, the start stamp, a move back to `planned` or a deletion is corrected by an update
 * of the server's own. The correction is an ordinary Yjs update that causally follows what it
 * corrects, so every replica - including the writer's, which keeps its own edit - converges on the
 * locked values. Also keeps the Postgres projection of the cards fresh.
 */
export class ExperimentGuard {
  private readonly locks = new Map<string, Lock>();
  /** Cards another instance started whose start stamp (and so lock) has not arrived yet: that instance records them. */
  private readonly startingElsewhere = new Set<string>();
  private writes: Promise<void> = Promise.resolve();
  private projectionDirty = false;
  private projectionTimer: NodeJS.Timeout | null = null;
  private observer: ((events: Y.YEvent<Y.AbstractType<unknown>>[], txn: Y.Transaction) => void) | null = null;

  constructor(
    private readonly host: GuardHost,
    private readonly deps: {
      experiments: Experiments;
      logger: Logger;
      prototypeId: string;
      /** Origin of updates applied while loading (checked once, in bulk, after the load). */
      loadOrigin: symbol;
      /** Origin of changes from other instances (checked and recorded there; their locks are taken over here). */
      remoteOrigin?: symbol;
      /** Who made a change, from the transaction origin (a connection). */
      userOf: (origin: unknown) => string | null;
      projectionDelayMs: number;
      /** The card's criterion binding evaluated now (null: not bound; the team picks the verdict). */
      evaluate?: (prototypeId: string, cardId: string) => Promise<BoundEvidence | null>;
    },
  ) {}

  private destroyed = false;

  /** Reads the run records (the document may not be built yet; `attach` follows once it is). */
  async load(): Promise<void> {
    const runs = await this.deps.experiments.runs(this.deps.prototypeId);
    for (const run of runs) {
      this.locks.set(run.cardId, {
        values: { hypothesis: run.hypothesis, metric: run.metric, criterion: run.criterion },
        startedAt: run.startedAt.getTime(),
        startedBy: run.startedBy,
        status: run.verdict ?? "running",
        verdict: run.verdict,
        decision: run.decision,
        last: null,
      });
    }
  }

  /** Starts watching the built document and repairs anything stored that breaks a lock. */
  attach(): void {
    if (this.destroyed || this.observer) return;
    const cards = cardsMap(this.host.doc);
    this.observer = (events, txn) => this.onChange(events, txn);
    cards.observeDeep(this.observer);
    this.check(new Set([...cards.keys(), ...this.locks.keys()]), null);
  }

  private onChange(events: Y.YEvent<Y.AbstractType<unknown>>[], txn: Y.Transaction) {
    this.markDirty();
    if (txn.origin === GUARD_ORIGIN || txn.origin === this.deps.loadOrigin) return;
    const cards = cardsMap(this.host.doc);
    const ids = new Set<string>();
    for (const event of events) {
      if (event.target === cards) for (const key of event.keys.keys()) ids.add(key);
      else if (typeof event.path[0] === "string") ids.add(event.path[0]);
    }
    if (this.deps.remoteOrigin !== undefined && txn.origin === this.deps.remoteOrigin) return this.adopt(ids);
    try {
      this.check(ids, this.deps.userOf(txn.origin));
    } catch (error) {
      this.deps.logger.error({ err: error, docName: this.host.name }, "experiment lock check failed");
    }
  }

  /** Records new starts and conclusions; corrects what breaks a lock, in one transaction. */
  private check(ids: Set<string>, userId: string | null) {
    const cards = cardsMap(this.host.doc);
    const fixes: (() => void)[] = [];
    for (const id of ids) {
      const value = cards.get(id);
      const lock = this.locks.get(id);
      if (!lock) {
        if (value instanceof Y.Map && !this.startingElsewhere.has(id)) this.maybeStart(id, value, userId, fixes);
        continue;
      }
      if (!(value instanceof Y.Map)) {
        // A started card can't be deleted; its record is evidence. Bring it back as it was.
        if (lock.last) {
          const restored = lock.last;
          fixes.push(() => cards.set(id, cardToMap(restored)));
        }
        continue;
      }
      const card = readCard(id, value);
      for (const field of LOCKED_FIELDS) {
        if (rawText(value, field) !== lock.values[field]) {
          const locked = lock.values[field];
          fixes.push(() => value.set(field, new Y.Text(locked)));
          card[field] = locked;
        }
      }
      if (!isStarted(card.status)) {
        const status = lock.status;
        fixes.push(() => value.set("status", status));
        card.status = status;
      }
      if (value.get("startedAt") !== lock.startedAt || (value.get("startedBy") ?? null) !== lock.startedBy) {
        fixes.push(() => this.stamp(value, lock.startedAt, lock.startedBy));
        card.startedAt = lock.startedAt;
        card.startedBy = lock.startedBy;
      }
      lock.status = card.status;
      lock.last = card;
      this.trackVerdict(id, lock, card, userId);
    }
    if (fixes.length) this.host.doc.transact(() => fixes.forEach((fix) => fix()), GUARD_ORIGIN);
  }

  /**
   * Takes over the locks of cards another instance started (it recorded them and corrects what
   * breaks them there); a later local edit is then held to them here too.
   */
  private adopt(ids: Set<string>) {
    const cards = cardsMap(this.host.doc);
    for (const id of ids) {
      const value = cards.get(id);
      if (!(value instanceof Y.Map)) continue;
      const card = readCard(id, value);
      const startedAt = value.get("startedAt");
      if (!isStarted(card.status)) continue;
      if (typeof startedAt !== "number") {
        if (!this.locks.has(id)) this.startingElsewhere.add(id);
        continue;
      }
      this.startingElsewhere.delete(id);
      const verdict = isVerdict(card.status) ? card.status : null;
      const lock = this.locks.get(id) ?? {
        values: { hypothesis: rawText(value, "hypothesis"), metric: rawText(value, "metric"), criterion: rawText(value, "criterion") },
        startedAt,
        startedBy: typeof value.get("startedBy") === "string" ? (value.get("startedBy") as string) : null,
        status: card.status,
        verdict,
        decision: verdict ? card.decision : null,
        last: card,
      };
      Object.assign(lock, { status: card.status, verdict, decision: verdict ? card.decision : null, last: card });
      this.locks.set(id, lock);
    }
  }

  private maybeStart(id: string, value: Y.Map<unknown>, userId: string | null, fixes: (() => void)[]) {
    const card = readCard(id, value);
    if (!isStarted(card.status)) return;
    if (this.locks.size >= MAX_CARDS) return;
    const startedAt = Date.now();
    const lock: Lock = {
      values: { hypothesis: rawText(value, "hypothesis"), metric: rawText(value, "metric"), criterion: rawText(value, "criterion") },
      startedAt,
      startedBy: userId,
      status: card.status,
      verdict: null,
      decision: null,
      last: { ...card, startedAt, startedBy: userId },
    };
    this.locks.set(id, lock);
    fixes.push(() => this.stamp(value, startedAt, userId));
    const docState = Y.encodeStateAsUpdate(this.host.doc);
    this.enqueue("record experiment start", async () => {
      // The version tested: the log position once the starting update is durable.
      await this.host.persisted();
      await this.deps.experiments.recordStart({
        prototypeId: this.deps.prototypeId,
        cardId: id,
        name: card.name,
        hypothesis: rawText(value, "hypothesis"),
        test: rawText(value, "test"),
        metric: rawText(value, "metric"),
        criterion: rawText(value, "criterion"),
        startedBy: userId,
        startedAt: new Date(startedAt),
        docSeq: this.host.maxSeq,
        docState,
      });
    });
    this.trackVerdict(id, lock, card, userId);
  }

  private stamp(value: Y.Map<unknown>, startedAt: number, startedBy: string | null) {
    value.set("startedAt", startedAt);
    if (startedBy) value.set("startedBy", startedBy);
    else value.delete("startedBy");
  }

  private trackVerdict(id: string, lock: Lock, card: Card, userId: string | null) {
    const verdict = isVerdict(card.status) ? card.status : null;
    const decision = verdict ? card.decision : null;
    if (verdict === lock.verdict && decision === lock.decision) return;
    lock.verdict = verdict;
    lock.decision = decision;
    this.enqueue("record experiment conclusion", async () => {
      // A criterion bound to evidence decides the verdict; the column the card was moved to doesn't.
      const bound = verdict && this.deps.evaluate ? await this.deps.evaluate(this.deps.prototypeId, id) : null;
      const computed: Verdict | null = bound ? (bound.evaluation.verdict ?? "inconclusive") : verdict;
      const evidence = bound
        ? { ...bound.evaluation, rule: bound.rule, threshold: bound.threshold, minResponses: bound.minResponses, questionId: bound.questionId, computedAt: new Date().toISOString() }
        : null;
      await this.deps.experiments.recordConclusion({ prototypeId: this.deps.prototypeId, cardId: id, verdict: computed, decision, by: userId, evidence });
      if (computed === verdict || this.destroyed || lock.verdict !== verdict) return;
      lock.verdict = computed;
      lock.status = computed ?? lock.status;
      const value = cardsMap(this.host.doc).get(id);
      if (value instanceof Y.Map && computed && isVerdict(readCard(id, value).status)) {
        this.host.doc.transact(() => value.set("status", computed), GUARD_ORIGIN);
        if (lock.last) lock.last = { ...lock.last, status: computed };
      }
    });
  }

  /** Postgres writes run one after another, in the order the document saw the changes. */
  private enqueue(what: string, write: () => Promise<void>) {
    this.writes = this.writes.then(write).catch((error: unknown) => {
      // The lock itself holds in memory; a reload re-records a start that never reached the database.
      this.deps.logger.error({ err: error, docName: this.host.name }, `${what} failed`);
    });
  }

  private markDirty() {
    this.projectionDirty = true;
    if (this.projectionTimer) return;
    this.projectionTimer = setTimeout(() => {
      this.projectionTimer = null;
      void this.store().catch((error: unknown) => this.deps.logger.error({ err: error, docName: this.host.name }, "experiment projection failed"));
    }, this.deps.projectionDelayMs);
    this.projectionTimer.unref();
  }

  /** Waits for pending run records and refreshes the projection if cards changed. */
  async store(): Promise<void> {
    if (this.projectionTimer) clearTimeout(this.projectionTimer);
    this.projectionTimer = null;
    await this.writes;
    if (!this.projectionDirty) return;
    this.projectionDirty = false;
    try {
      await this.deps.experiments.saveProjection(this.deps.prototypeId, readCards(this.host.doc).slice(0, MAX_CARDS));
    } catch (error) {
      this.projectionDirty = true;
      throw error;
    }
  }

  destroy() {
    this.destroyed = true;
    if (this.projectionTimer) clearTimeout(this.projectionTimer);
    this.projectionTimer = null;
    if (this.observer) cardsMap(this.host.doc).unobserveDeep(this.observer);
    this.observer = null;
  }
}
