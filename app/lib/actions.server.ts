import { forbidden, notFound } from "./guards.server";
import type { Action } from "./policy";

/** The shape every route action answers with when it does not redirect. */
export interface ActionFailure {
  intent: string | null;
  fieldErrors: Record<string, string>;
  formError: string | null;
  values: Record<string, string>;
}

/** The string fields of a form, to refill it after a refusal. */
export function formValues(formData: FormData): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of formData.entries()) {
    if (typeof value === "string" && key !== "intent" && !(key in values)) values[key] = value;
  }
  return values;
}

/** The form's `intent`, if it is one of the route's known intents. */
export function readIntent<T extends Record<string, Action>>(formData: FormData, intents: T): Extract<keyof T, string> | null {
  const intent = formData.get("intent");
  return typeof intent === "string" && Object.hasOwn(intents, intent) ? (intent as Extract<keyof T, string>) : null;
}

interface ServiceErrorLike {
  kind: "ServiceError";
  code: string;
  message: string;
  field?: string;
}

/** Duck-typed: the class lives in server/, which the Remix bundle must not import. */
export function isServiceError(error: unknown): error is ServiceErrorLike {
  return typeof error === "object" && error !== null && (error as { kind?: unknown }).kind === "ServiceError";
}

/**
 * Turns a service's expected refusal into form errors; `not_found` becomes a 404, `forbidden` a
 * 403, and anything unexpected is rethrown (a real 500).
 */
export function refusal(error: unknown): Pick<ActionFailure, "fieldErrors" | "formError"> {
  if (!isServiceError(error)) throw error;
  if (error.code === "not_found") throw notFound(error.message);
  if (error.code === "forbidden") throw forbidden(error.message);
  return error.field ? { fieldErrors: { [error.field]: error.message }, formError: null } : { fieldErrors: {}, formError: error.message };
}
