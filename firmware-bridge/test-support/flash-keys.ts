/**
 * Keys for flash tests: a link key file and an Ed25519 signing key pair in `dir`, the public key trusted by
 * each device folder given (`<deviceDir>/trusted-keys`, where serveDevice looks by default when its staging
 * folder is `<deviceDir>/staging`).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { KeyObject } from 'node:crypto';
import { generateSigningKeyPair, readSigningKey, trustPublicKey } from '../auth/signing-keys.ts';

export interface FlashKeys {
  linkKey: Buffer;
  linkKeyFile: string;
  signingKey: KeyObject;
  signingKeyFile: string;
  publicKeyFile: string;
  keyId: string;
}

export function makeFlashKeys(dir: string, trustingDeviceDirs: string[] = [], name = 'host'): FlashKeys {
  fs.mkdirSync(dir, { recursive: true });
  const linkKey = Buffer.from(`link-key-${name}-0123456789abcdef`);
  const linkKeyFile = path.join(dir, `${name}.link-key`);
  fs.writeFileSync(linkKeyFile, linkKey);
  const pair = generateSigningKeyPair(path.join(dir, `${name}-signing`));
  for (const d of trustingDeviceDirs) trustPublicKey(path.join(d, 'trusted-keys'), pair.publicFile);
  return { linkKey, linkKeyFile, signingKey: readSigningKey(pair.privateFile), signingKeyFile: pair.privateFile, publicKeyFile: pair.publicFile, keyId: pair.keyId };
}
