/** Documents are named "<kind>.<uuid>"; today only prototypes have one. */
const DOC_NAME = /^prototype\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export interface ParsedDocName {
  kind: "prototype";
  id: string;
}

/** Parses a document name; null for anything else (it is never used as a path or SQL). */
export function parseDocName(name: string): ParsedDocName | null {
  const match = DOC_NAME.exec(name);
  return match ? { kind: "prototype", id: match[1] } : null;
}

export function prototypeDocName(prototypeId: string): string {
  return `prototype.${prototypeId}`;
}
