/**
 * The command that continues a stopped run: the same arguments as the one that ran, with `--resume` and
 * without `--overwrite` (the options that decide the steps must match; `checkResumeOptions` enforces it).
 */

/** Quotes one shell word when it needs it. */
export function shellWord(w: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(w) ? w : `'${w.replaceAll("'", `'\\''`)}'`;
}

/** `ranas <args> --resume` from the arguments after the program name (process.argv.slice(2)). */
export function resumeCommand(args: readonly string[]): string {
  const kept = args.filter((a) => a !== '--overwrite' && a !== '--resume');
  return ['ranas', ...kept, '--resume'].map(shellWord).join(' ');
}

/** For pipelines that continue their own runs (demo, study): the same command again, without --fresh. */
export function rerunCommand(args: readonly string[] = process.argv.slice(2)): string {
  return ['ranas', ...args.filter((a) => a !== '--fresh')].map(shellWord).join(' ');
}
