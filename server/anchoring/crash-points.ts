/**
 * Test-only crash points. When AIQYN_TEST_CRASH_AT names a point, the process SIGKILLs itself there, so the
 * crash tests can stop a real server at each stage of a batch's life. Unset (always, in production), each
 * point is a no-op.
 */
export type CrashPoint = "after-seal" | "before-send" | "after-send" | "before-mark-anchored";

export function crashPoint(point: CrashPoint): void {
  if (process.env.AIQYN_TEST_CRASH_AT !== point) return;
  process.stderr.write(`AIQYN_TEST_CRASH ${point}\n`);
  process.kill(process.pid, "SIGKILL");
}
