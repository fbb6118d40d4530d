/**
 * `--cutout [px]` / `--no-cutout`, declared and read alike by `ranas train` and `ranas search`: a side in
 * pixels, bare `--cutout` = the DARTS 16 px, `--no-cutout` or `--cutout 0` = off. Both default to 16 px: DARTS's
 * training, and the MS-RANAS paper's best search (DARTS's own search used none); each --help shows it.
 */
import { Option, type Command } from 'commander';
import { int } from './run-options.ts';

/** Side used by a bare `--cutout`, px. */
export const CUTOUT_PX = 16;

/** Declares the cutout options on `cmd` with `defaultPx` (0 = off; undefined = the training recipe's). */
export function addCutoutOption(cmd: Command, defaultPx: number | undefined): Command {
  const help = `cutout square side in pixels (bare --cutout = ${CUTOUT_PX}; 0 = off)`;
  return (defaultPx === undefined ? cmd.option('--cutout [px]', `${help}; set by --recipe otherwise: quick and darts 16, msdnet off (default: recipe)`) : cmd.option('--cutout [px]', help, String(defaultPx)))
    .option('--no-cutout', 'no cutout (same as --cutout 0)')
    .addOption(new Option('--cutout-px <px>', 'old name of --cutout <px>').hideHelp());
}

/** Reads commander's value (string, true for a bare flag, false for --no-cutout) into pixels. */
export function parseCutout(v: string | boolean, oldPx?: string): number {
  if (oldPx !== undefined) return int('--cutout-px', oldPx, 0);
  if (v === false) return 0;
  if (v === true) return CUTOUT_PX;
  return int('--cutout', v, 0);
}
