/**
 * A sprint's ideas in its live document ("sprint.<id>"): shared by the board in the browser and the
 * server (which reads an idea to turn it into a prototype).
 *
 * Shape: the root Y.Map `ideas` holds one Y.Map per idea, keyed by its id: `text` (Y.Text,
 * co-edited character by character), `clusterId` (a key of `clusters`, or null), `authorId`,
 * `authorName`, `createdAt` (epoch ms). The root Y.Map `clusters` holds one Y.Map per cluster with
 * its `name`. Whatever a client wrote is read defensively: wrong types read as empty.
 */
import * as Y from "yjs";

export const IDEAS_FIELD = "ideas";
export const CLUSTERS_FIELD = "clusters";
/** Longest idea note and cluster name shown and accepted by the board. */
export const IDEA_MAX = 500;
export const CLUSTER_NAME_MAX = 80;

export interface Idea {
  id: string;
  text: string;
  clusterId: string | null;
  authorId: string | null;
  authorName: string;
  createdAt: number;
}

export interface Cluster {
  id: string;
  name: string;
}

export const ideasMap = (doc: Y.Doc) => doc.getMap<Y.Map<unknown>>(IDEAS_FIELD);
export const clustersMap = (doc: Y.Doc) => doc.getMap<Y.Map<unknown>>(CLUSTERS_FIELD);

/** A random id for a new idea or cluster (short: it travels in forms and votes). */
export function newId(): string {
  return globalThis.crypto.randomUUID().replace(/-/g, "").slice(0, 16);
}

const str = (value: unknown) => (value instanceof Y.Text ? value.toString() : typeof value === "string" ? value : "");

/** One idea, or null when there is none by that id. */
export function readIdea(doc: Y.Doc, id: string): Idea | null {
  const map = ideasMap(doc).get(id);
  if (!(map instanceof Y.Map)) return null;
  const clusterId = map.get("clusterId");
  const createdAt = map.get("createdAt");
  const authorId = map.get("authorId");
  return {
    id,
    text: str(map.get("text")).slice(0, IDEA_MAX),
    clusterId: typeof clusterId === "string" && clustersMap(doc).has(clusterId) ? clusterId : null,
    authorId: typeof authorId === "string" ? authorId : null,
    authorName: str(map.get("authorName")).slice(0, 100),
    createdAt: typeof createdAt === "number" && Number.isFinite(createdAt) ? createdAt : 0,
  };
}

/** Every idea, oldest first (ties by id, so every replica shows one order). */
export function readIdeas(doc: Y.Doc): Idea[] {
  const ideas: Idea[] = [];
  for (const id of ideasMap(doc).keys()) {
    const idea = readIdea(doc, id);
    if (idea) ideas.push(idea);
  }
  return ideas.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
}

/** Every cluster, by name. */
export function readClusters(doc: Y.Doc): Cluster[] {
  const clusters: Cluster[] = [];
  for (const [id, map] of clustersMap(doc).entries()) {
    if (map instanceof Y.Map) clusters.push({ id, name: str(map.get("name")).slice(0, CLUSTER_NAME_MAX) });
  }
  return clusters.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

/** The idea's co-edited text, created if an old or foreign client left a plain value. */
export function ideaText(doc: Y.Doc, id: string): Y.Text | null {
  const map = ideasMap(doc).get(id);
  if (!(map instanceof Y.Map)) return null;
  const value = map.get("text");
  if (value instanceof Y.Text) return value;
  const text = new Y.Text(typeof value === "string" ? value : "");
  map.set("text", text);
  return text;
}

/** Adds an idea note; returns its id. */
export function addIdea(doc: Y.Doc, { text, clusterId = null, author }: { text: string; clusterId?: string | null; author: { id: string; name: string } }, origin?: unknown): string {
  const id = newId();
  doc.transact(() => {
    const map = new Y.Map<unknown>();
    map.set("text", new Y.Text(text.slice(0, IDEA_MAX)));
    map.set("clusterId", clusterId);
    map.set("authorId", author.id);
    map.set("authorName", author.name);
    map.set("createdAt", Date.now());
    ideasMap(doc).set(id, map);
  }, origin);
  return id;
}

/** Moves an idea into a cluster (null: out of every cluster). */
export function moveIdea(doc: Y.Doc, ideaId: string, clusterId: string | null, origin?: unknown): void {
  const map = ideasMap(doc).get(ideaId);
  if (!(map instanceof Y.Map)) return;
  doc.transact(() => map.set("clusterId", clusterId), origin);
}

/** Adds a cluster; returns its id. */
export function addCluster(doc: Y.Doc, name: string, origin?: unknown): string {
  const id = newId();
  doc.transact(() => {
    const map = new Y.Map<unknown>();
    map.set("name", name.trim().slice(0, CLUSTER_NAME_MAX));
    clustersMap(doc).set(id, map);
  }, origin);
  return id;
}

/** Renames a cluster (trimmed and clipped like a new one). */
export function renameCluster(doc: Y.Doc, clusterId: string, name: string, origin?: unknown): void {
  const map = clustersMap(doc).get(clusterId);
  if (!(map instanceof Y.Map)) return;
  doc.transact(() => map.set("name", name.trim().slice(0, CLUSTER_NAME_MAX)), origin);
}

/**
 * Deletes a cluster, never its ideas: they go back to no cluster in the same transaction, so no
 * replica ever sees an idea in a cluster that is gone. Returns how many ideas it held.
 */
export function removeCluster(doc: Y.Doc, clusterId: string, origin?: unknown): number {
  let moved = 0;
  doc.transact(() => {
    for (const map of ideasMap(doc).values()) {
      if (map instanceof Y.Map && map.get("clusterId") === clusterId) {
        map.set("clusterId", null);
        moved++;
      }
    }
    clustersMap(doc).delete(clusterId);
  }, origin);
  return moved;
}

/** Removes an idea note. */
export function removeIdea(doc: Y.Doc, ideaId: string, origin?: unknown): void {
  doc.transact(() => ideasMap(doc).delete(ideaId), origin);
}

/** A prototype title from an idea: its first line, clipped to `max` characters. */
export function ideaTitle(text: string, max: number): string {
  const line = text.trim().split(/\r?\n/)[0]?.trim() ?? "";
  return line.length > max ? `${line.slice(0, max - 1).trimEnd()}…` : line;
}
