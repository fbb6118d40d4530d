/**
 * The environment variables `ranas` reads, one table: shown at the end of `ranas --help` and in docs/cli.md.
 */

/** A variable, what it does, and its default. */
export interface EnvironmentVariable {
  name: string;
  meaning: string;
}

/** Every variable the tool reads (tests and the CI runner have their own, not listed). */
export const ENVIRONMENT: readonly EnvironmentVariable[] = [
  { name: 'RANAS_DATA', meaning: 'dataset cache folder (default ~/.cache/ranas)' },
  { name: 'RANAS_BACKEND', meaning: 'compute backend: tensorflow | wasm | cpu (default: the fastest that loads)' },
  { name: 'RANAS_QUIET', meaning: '1 = no progress bars or progress lines on stderr' },
  { name: 'RANAS_DEBUG', meaning: '1 = print the stack of an error' },
  { name: 'RANAS_PYTHON', meaning: 'python used by `ranas setup native` (default python3)' },
  { name: 'RANAS_SKIP_NATIVE', meaning: '1 = npm install does not build the native TensorFlow engine' },
  { name: 'RANAS_PRETRAINED_DIR', meaning: 'folder of shipped networks that pretrained:<name> names (default models/pretrained of the package)' },
  { name: 'RANAS_SIGNING_KEY', meaning: 'host Ed25519 private key that signs bundles and op packs (default ~/.config/ranas/signing.key)' },
  { name: 'RANAS_DEMO_AGENT_LOG', meaning: 'file the demo\'s local device agent logs to' },
  { name: 'TF_NUM_INTRAOP_THREADS', meaning: 'TensorFlow\'s threads per op (default: all cores; with --replicas N, ranas sets cores / N unless it is set)' },
  { name: 'TF_CPP_MIN_LOG_LEVEL', meaning: 'TensorFlow\'s own log level (ranas sets 2: warnings and start-up chatter off)' },
];

/** The help section listing them. */
export function environmentHelp(): string {
  const width = Math.max(...ENVIRONMENT.map((v) => v.name.length));
  return `\nEnvironment variables:\n${ENVIRONMENT.map((v) => `  ${v.name.padEnd(width)}  ${v.meaning}`).join('\n')}\n\nExit status: 0 done, 1 error, 2 usage error, 130/143 stopped by SIGINT/SIGTERM (checkpoint kept).\nOption names, meanings and defaults shared by the commands: docs/cli.md.\n`;
}
