/** Documents are named "<kind>.<uuid>": a prototype's design document, or a sprint's ideas board. */
const DOC_NAME = /^(prototype|sprint)\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export type DocKind = "prototype" | "sprint";

export interface ParsedDocName {
  kind: DocKind;
  id: string;
}

/** Parses a document name; null for anything else (it is never used as a path or SQL). */
export function parseDocName(name: string): ParsedDocName | null {
  const match = DOC_NAME.exec(name);
  return match ? { kind: match[1] as DocKind, id: match[2] } : null;
}

export function prototypeDocName(prototypeId: string): string {
  return `prototype.${prototypeId}`;
}

/** The live ideas document of a sprint. */
export function sprintDocName(sprintId: string): string {
  return `sprint.${sprintId}`;
}
