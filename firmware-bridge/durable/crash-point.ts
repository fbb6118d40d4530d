/**
 * Power-cut simulation: with `RANAS_CRASH_AT_WRITE=N` in the environment, the process kills itself with
 * SIGKILL just before its Nth durable write step (every staging write, fsync, rename, symlink and removal of a
 * flash and an install calls `crashPoint` first). Unset, `crashPoint` only counts. A test runs a flash once to
 * count the steps, then once per N with the agent killed there, and checks the store after a restart
 * (the way MCUboot's simulator and wolfBoot's power-fail tests cut power at every flash write).
 * `RANAS_CRASH_TRACE=1` prints each step's label on stderr (to see where a cut point lands).
 */
let steps = 0;
const crashAt = Number(process.env.RANAS_CRASH_AT_WRITE ?? 0);
const trace = process.env.RANAS_CRASH_TRACE === '1';

/** Counts one durable write step; dies here (SIGKILL, no cleanup) when it is the configured one. */
export function crashPoint(label: string): void {
  steps++;
  if (trace) process.stderr.write(`crash-point ${steps} ${label}\n`);
  if (crashAt > 0 && steps === crashAt) process.kill(process.pid, 'SIGKILL');
}

/** Write steps counted so far in this process. */
export function crashPointsPassed(): number {
  return steps;
}
