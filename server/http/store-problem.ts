/** How a store failure reaches a client: 503 STORE_UNAVAILABLE when the database cannot be reached. */
import { ProblemError } from "./problem";

export function isStoreUnavailable(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "STORE_UNAVAILABLE";
}

/** The problem for an error thrown by the store; errors that are not an outage pass through unchanged. */
export function storeProblem(error: unknown): unknown {
  if (!isStoreUnavailable(error)) return error;
  return new ProblemError(503, "STORE_UNAVAILABLE", "the store does not answer; retry shortly");
}
