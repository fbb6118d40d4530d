/**
 * `ranas device trust <public key> --bundle-dir DIR`: run ON the device. Adds a host's Ed25519 public key
 * (from `ranas keys generate`) to the agent's trust folder (DIR/trusted-keys, as `<key id>.pub`); the agent
 * then installs bundles that key signed. A private key is refused: a device holds public keys only.
 * `--list` prints the trusted keys; `--remove ID` drops one.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { RanasError } from '../../errors.ts';
import { loadTrustedKeys, trustPublicKey } from '../../../firmware-bridge/auth/signing-keys.ts';
import { printTable } from '../../text-table.ts';

export function registerDeviceTrust(device: Command): void {
  device.command('trust [publicKey]')
    .description('on the device: trust a host signing key (public key only) for flashed bundles; --list, --remove ID')
    .requiredOption('--bundle-dir <dir>', "the agent's bundle store folder (keys go to DIR/trusted-keys)")
    .option('--list', 'print the trusted keys', false)
    .option('--remove <id>', 'stop trusting the key with this id')
    .option('--json', 'print JSON instead of a table', false)
    .action((publicKey: string | undefined, raw: { bundleDir: string; list: boolean; remove?: string; json: boolean }) => {
      const trustDir = path.join(raw.bundleDir, 'trusted-keys');
      if (raw.remove) {
        const file = path.join(trustDir, `${raw.remove}.pub`);
        if (!/^[0-9a-f]{16}$/.test(raw.remove) || !fs.existsSync(file)) throw new RanasError('E_NOT_FOUND', `no trusted key '${raw.remove}' in ${trustDir}; expected one of ${loadTrustedKeys(trustDir).map((k) => k.id).join(', ') || '(none)'}`);
        fs.rmSync(file);
      } else if (publicKey) {
        trustPublicKey(trustDir, publicKey);
      } else if (!raw.list) {
        throw new RanasError('E_CLI_ARG', 'device trust needs a public key file (BASE.pub from `ranas keys generate`), --list or --remove ID');
      }
      printTable(loadTrustedKeys(trustDir).map((k) => ({ 'key id': k.id, file: path.join(trustDir, `${k.id}.pub`) })), { json: raw.json });
    });
}
