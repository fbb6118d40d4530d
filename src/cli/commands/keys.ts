/**
 * `ranas keys generate [--out BASE]`: a new Ed25519 bundle signing key pair for this host, BASE.key (private,
 * mode 0600; never leaves the host) and BASE.pub (give it to devices: `ranas device trust BASE.pub` on each).
 * Default BASE: $RANAS_SIGNING_KEY without its .key suffix, else ~/.config/ranas/signing. Never overwrites.
 */
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { generateSigningKeyPair } from '../../../firmware-bridge/auth/signing-keys.ts';
import { printTable } from '../../text-table.ts';

/** The host's default signing key file: $RANAS_SIGNING_KEY, else ~/.config/ranas/signing.key. */
export function defaultSigningKeyFile(): string {
  return process.env.RANAS_SIGNING_KEY ?? path.join(os.homedir(), '.config', 'ranas', 'signing.key');
}

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('bundle signing keys (Ed25519): the host signs, devices trust public keys only');
  keys.command('generate')
    .description('write a new signing key pair: BASE.key (private, 0600, stays on this host) and BASE.pub (for `ranas device trust`)')
    .option('--out <base>', 'path without extension (default: $RANAS_SIGNING_KEY or ~/.config/ranas/signing)')
    .option('--json', 'print JSON instead of a table', false)
    .action((raw: { out?: string; json: boolean }) => {
      const base = raw.out ?? defaultSigningKeyFile().replace(/\.key$/, '');
      const made = generateSigningKeyPair(base);
      printTable([{ 'key id': made.keyId, private: made.privateFile, public: made.publicFile }], { json: raw.json });
    });
}
