/**
 * Ctrl-C and `kill` during a long run: the first SIGINT or SIGTERM asks the loop to stop after the step in
 * flight (it then writes a checkpoint and prints the resume command); a second one ends the process at once
 * (exit 130 / 143), keeping the last checkpoint on disk.
 */

/** Exit codes by signal (128 + signal number, as a shell reports them). */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/** A signal that stops a run. */
export type StopSignalName = keyof typeof SIGNAL_EXIT_CODES;

/** A stop request set by a signal and read by a loop between steps. */
export interface StopSignal {
  /** The signal that asked the run to stop, or null while none has. */
  readonly requested: () => StopSignalName | null;
  /** Removes the handlers (the process's default behaviour is back). */
  dispose(): void;
}

/**
 * Installs SIGINT/SIGTERM handlers until `dispose()`. `say` prints the one-line notice on the first signal.
 */
export function installStopSignal(say: (line: string) => void): StopSignal {
  let requested: StopSignalName | null = null;
  const handlers: Record<StopSignalName, () => void> = {
    SIGINT: () => onSignal('SIGINT'),
    SIGTERM: () => onSignal('SIGTERM'),
  };
  function onSignal(name: StopSignalName): void {
    if (requested !== null) {
      say(`${name} again: stopping now; the last checkpoint on disk is kept`);
      process.exit(SIGNAL_EXIT_CODES[name]);
    }
    requested = name;
    say(`${name}: stopping after this step and writing a checkpoint (${name === 'SIGINT' ? 'Ctrl-C' : 'SIGTERM'} again to stop at once)`);
  }
  for (const name of Object.keys(handlers) as StopSignalName[]) process.on(name, handlers[name]);
  return {
    requested: () => requested,
    dispose: () => {
      for (const name of Object.keys(handlers) as StopSignalName[]) process.off(name, handlers[name]);
    },
  };
}

/**
 * Lets pending signal handlers run: a loop whose steps are synchronous (or resolve as microtasks) never
 * returns to the event loop, so a signal would wait until the run ends. One macrotask per step costs ~µs.
 */
export const yieldToEvents = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A loop's check between steps: lets pending signal handlers run, then, when `stop` asks to stop, writes the
 * checkpoint (`save`) and returns true (the loop then ends, marked interrupted). Without `stop`, false at once.
 */
export async function savedOnStop(stop: (() => boolean) | undefined, save: () => void): Promise<boolean> {
  if (!stop) return false;
  await yieldToEvents();
  if (!stop()) return false;
  save();
  return true;
}
