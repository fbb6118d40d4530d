/**
 * The exact bytes each flash signature or MAC covers. Fields are length-prefixed (u32 BE) after a domain tag,
 * so no two different field lists give the same bytes, and a signature for one purpose never verifies for
 * another (a bundle signature is not a downgrade intent).
 *
 *  - bundle statement (Ed25519, host signing key): (name, version, size, sha256 of the tar). Made once per
 *    bundle, valid on any device that trusts the key; says "this tar is release `version` of `name`".
 *  - flash MAC (HMAC-SHA256, shared link key): (device nonce, sha256, size, version, name). Binds a FlashBegin
 *    to one link: the nonce is fresh on every link, so a captured session replayed later is refused.
 *  - downgrade intent (Ed25519, host signing key): (device nonce, sha256, version). Allows installing a version
 *    not newer than the device's floor, once, on this link.
 *  - op packs (`ranas device profile-ops` over the bridge) have their own signature and MAC domains: a signed op
 *    pack never verifies as a bundle (so it cannot be installed) and a bundle signature never starts a pack.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FlashKind } from '../messages.ts';

/** What a FlashBegin says about the bundle it starts (the fields every statement draws from). */
export interface FlashedBundle {
  name: string;
  /** Monotonic release number (uint32). */
  version: number;
  sizeBytes: number;
  /** Hex sha256 of the bundle tar. */
  sha256: string;
}

const DOMAIN = {
  bundle: 'ranas-bundle-signature-v1',
  flashMac: 'ranas-flash-mac-v1',
  downgrade: 'ranas-downgrade-intent-v1',
  opPack: 'ranas-op-pack-signature-v1',
  opPackMac: 'ranas-op-pack-mac-v1',
} as const;

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

/** Domain tag then each field as u32 length + bytes. */
function joinFields(domain: string, fields: (string | number | Buffer)[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of [domain, ...fields]) {
    const bytes = Buffer.isBuffer(f) ? f : typeof f === 'number' ? u32(f) : Buffer.from(f, 'utf8');
    parts.push(u32(bytes.length), bytes);
  }
  return Buffer.concat(parts);
}

/** Bytes an Ed25519 signature of a flash covers: a bundle's (name, version, size, sha256), or an op pack's under its domain. */
export function bundleStatement(b: FlashedBundle, kind: FlashKind = 'bundle'): Buffer {
  return joinFields(kind === 'opPack' ? DOMAIN.opPack : DOMAIN.bundle, [b.name, b.version, b.sizeBytes, b.sha256]);
}

/** Bytes a downgrade intent covers (bound to the link's nonce). */
export function downgradeStatement(nonce: Buffer, b: FlashedBundle): Buffer {
  return joinFields(DOMAIN.downgrade, [nonce, b.sha256, b.version]);
}

/** HMAC-SHA256 with the link key over (nonce, sha256, size, version, name), under the op-pack domain for a pack. */
export function flashMac(key: Buffer, nonce: Buffer, b: FlashedBundle, kind: FlashKind = 'bundle'): Buffer {
  return createHmac('sha256', key).update(joinFields(kind === 'opPack' ? DOMAIN.opPackMac : DOMAIN.flashMac, [nonce, b.sha256, b.sizeBytes, b.version, b.name])).digest();
}

/** Constant-time check of a flash MAC. */
export function flashMacMatches(key: Buffer, nonce: Buffer, b: FlashedBundle, mac: Buffer, kind: FlashKind = 'bundle'): boolean {
  const expected = flashMac(key, nonce, b, kind);
  return mac.length === expected.length && timingSafeEqual(mac, expected);
}
