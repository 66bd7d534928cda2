export type ServiceErrorCode = "not_found" | "conflict" | "invalid" | "last_owner" | "gone" | "forbidden";

/** An expected refusal a route turns into a form error or status; never a 500. */
export class ServiceError extends Error {
  readonly kind = "ServiceError";
  constructor(
    public readonly code: ServiceErrorCode,
    message: string,
    /** The form field the message belongs to, when there is one. */
    public readonly field?: string,
  ) {
    super(message);
    this.name = "ServiceError";
  }
}

/** Duck-typed so it also holds across the Remix bundle boundary. */
export function isServiceError(error: unknown): error is ServiceError {
  return typeof error === "object" && error !== null && (error as { kind?: unknown }).kind === "ServiceError";
}

/** Postgres SQLSTATE of an error from postgres.js, if any. */
export function pgCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null ? ((error as { code?: string }).code ?? undefined) : undefined;
}
