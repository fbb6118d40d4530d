/**
 * The `ranas` command line. Each command lives in its own file under `commands/` and registers itself on
 * the program; options are parsed once into one typed object per command. Any error ends the process with
 * a non-zero exit and a one-line message (the stack only with RANAS_DEBUG=1).
 */
import './quiet-tensorflow.ts';
import { Command, CommanderError } from 'commander';
import { commands } from './commands/index.ts';
import { environmentHelp } from './environment.ts';
import { errorMessage, isRanasError } from '../errors.ts';
import { packageVersion } from '../run-folder.ts';
import { RunInterrupted } from '../run/guarded-run.ts';

/** Builds the program with every command registered (exported for tests). */
export function buildProgram(): Command {
  const program = new Command('ranas')
    .description('MS-RANAS: multi-scale resource-aware architecture search, anytime training, int8 export and budgeted inference on small devices')
    .version(packageVersion())
    .addHelpText('after', environmentHelp())
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const register of commands) register(program);
  return program;
}

/** Runs the CLI on `argv` (as `process.argv`). */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander already printed help, version or a usage error (exit 2, as getopt tools do).
      process.exitCode = e.exitCode === 0 ? 0 : 2;
      return;
    }
    if (e instanceof RunInterrupted) {
      // Not an error: the run stopped on request, its checkpoint is saved.
      console.error(`ranas: ${e.message}`);
      process.exitCode = e.exitCode;
      return;
    }
    if (process.env.RANAS_DEBUG === '1' && e instanceof Error) console.error(e.stack);
    const code = isRanasError(e) ? ` [${e.code}]` : '';
    console.error(`ranas: error${code}: ${errorMessage(e)}`);
    process.exitCode = 1;
  }
}
