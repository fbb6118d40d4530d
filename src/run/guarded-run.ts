/**
 * The life of a run folder around one command: signals become a stop request, a finished or stopped run is
 * moved into place, a failed one leaves nothing behind (see run-dir-plan.ts).
 */
import { RanasError } from '../errors.ts';
import type { RunDirPlan } from './run-dir-plan.ts';
import { installStopSignal, SIGNAL_EXIT_CODES, type StopSignalName } from './stop-signal.ts';

/** A run stopped by a signal after writing its checkpoint; the CLI prints the message and exits 130 / 143. */
export class RunInterrupted extends RanasError {
  readonly exitCode: number;
  constructor(signal: StopSignalName, what: string, plan: RunDirPlan, resumeWith: string) {
    super('E_INTERRUPTED', `${signal}: ${what}; checkpoint saved in ${plan.finalDir}. Continue with:\n  ${resumeWith}`, { signal, dir: plan.finalDir });
    this.exitCode = SIGNAL_EXIT_CODES[signal];
  }
}

/** What the body of a guarded run sees. */
export interface RunGuard {
  /** The signal that asked to stop, or null. Loops read it before every step. */
  stopRequested(): StopSignalName | null;
  /** Throws RunInterrupted when a stop was requested (`what` says where the run stopped). */
  throwIfStopped(what: () => string): void;
}

/**
 * Runs `body` with SIGINT/SIGTERM handled: commits the plan on success or on RunInterrupted, discards it on
 * any other error. `resumeWith` is the command that continues the run (src/run/resume-command.ts).
 */
export async function guardRun<T>(plan: RunDirPlan, say: (line: string) => void, resumeWith: string, body: (guard: RunGuard) => Promise<T>): Promise<T> {
  const stop = installStopSignal(say);
  const guard: RunGuard = {
    stopRequested: () => stop.requested(),
    throwIfStopped: (what) => {
      const s = stop.requested();
      if (s !== null) throw new RunInterrupted(s, what(), plan, resumeWith);
    },
  };
  try {
    const result = await body(guard);
    plan.commit();
    return result;
  } catch (e) {
    if (e instanceof RunInterrupted) plan.commit();
    else plan.discard();
    throw e;
  } finally {
    stop.dispose();
  }
}
