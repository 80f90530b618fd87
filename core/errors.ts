/**
 * Errors that cross Aiqyn's boundaries carry a stable machine-readable `code` and, where one exists, the
 * underlying `cause`. Codes never change meaning once published; messages may be reworded.
 */
export class AiqynError extends Error {
  readonly code: string;
  readonly details: unknown;

  constructor(code: string, message: string, options: { cause?: unknown; details?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AiqynError";
    this.code = code;
    this.details = options.details;
  }
}

/** Fails loudly when the library's own output breaks an invariant: a bug here, never bad input. */
export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AiqynError("INVARIANT_VIOLATED", `Invariant violated: ${message}`);
}
