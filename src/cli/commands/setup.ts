/**
 * `ranas setup native [--wheel PATH] [--force] [--json]` — builds tfjs-node's addon against TensorFlow's
 * C library taken from a TensorFlow CPU wheel (see src/engine/native/setup-native.ts). Prints one line;
 * exits non-zero when the native engine is not available (the wasm engine then stays in use).
 */
import type { Command } from 'commander';

/** Options of `ranas setup native`. */
interface SetupNativeCliOptions {
  readonly wheel: string | undefined;
  readonly force: boolean;
  readonly json: boolean;
  readonly verbose: boolean;
}

async function runSetupNative(o: SetupNativeCliOptions): Promise<void> {
  const { setupNative, summaryLine } = await import('../../engine/native/setup-native.ts');
  const report = await setupNative({
    wheel: o.wheel,
    force: o.force,
    onStep: o.verbose && !o.json ? (line) => process.stderr.write(`  ${line}\n`) : undefined,
  });
  process.stdout.write(o.json ? JSON.stringify(report, null, 2) + '\n' : summaryLine(report) + '\n');
  if (!report.ok) process.exitCode = 1;
}

/** Registers `ranas setup` and its `native` sub-command. */
export function registerSetup(program: Command): void {
  const setup = program.command('setup').description('optional set-up steps');
  setup
    .command('native')
    .description('make the native TensorFlow engine (tfjs-node) available: TensorFlow C library from a tensorflow-cpu wheel, addon built from source')
    .option('--wheel <path>', 'a tensorflow-cpu wheel to use instead of downloading one with pip')
    .option('--force', 'rebuild even when tfjs-node already loads', false)
    .option('--json', 'print the report (steps, timings, versions) as JSON', false)
    .option('--verbose', 'print each step to stderr', false)
    .action(async (raw: { wheel?: string; force: boolean; json: boolean; verbose: boolean }) => {
      await runSetupNative({ wheel: raw.wheel, force: raw.force, json: raw.json, verbose: raw.verbose });
    });
}
