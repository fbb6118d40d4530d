/**
 * One live progress bar on stderr at a time, and log lines printed above it: a line clears the bar's row,
 * prints, and the bar is drawn again below — so an epoch summary is never cut by the bar or lost in it.
 */

/** What a drawn bar lets the printer do. */
export interface LiveBar {
  /** Draws the bar again on the current (empty) row. */
  redraw(): void;
}

let live: LiveBar | null = null;

/** Registers the bar being drawn (null when it stops). */
export function setLiveBar(bar: LiveBar | null): void {
  live = bar;
}

/** Prints `line` to stderr above the live bar (or plainly when none is drawn). */
export function printAboveBar(line: string): void {
  if (live === null) {
    process.stderr.write(line + '\n');
    return;
  }
  process.stderr.write('\r\x1b[2K' + line + '\n');
  live.redraw();
}

/** The `say` of long commands: lines above the bar, nothing with RANAS_QUIET=1. */
export function sayLine(line: string): void {
  if (process.env.RANAS_QUIET !== '1') printAboveBar(line);
}
