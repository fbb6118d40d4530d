/**
 * FlashGuard: the device's one authority over flashing, shared by every connection (serial and TCP) of one
 * staging folder. A FlashBegin is checked here before a byte is staged or any other flash's state is touched:
 *  1. rate limit per peer;  2. the link MAC over (this link's nonce, sha256, size, version, name);
 *  3. the Ed25519 bundle signature by a trusted public key;  4. the version against the installed one
 *     (older or equal needs a signed downgrade intent bound to the nonce; not for op packs, which only run in
 *     `profile-ops` — their MAC and signature are under their own domains);
 * then the writer claims the single staging slot (a second writer gets E_BUSY while the first is active) and the
 * staging quota is checked against free disk space. Refusals go to one aggregated log.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { RanasError } from '../../src/errors.ts';
import { bundleStatement, downgradeStatement, flashMacMatches, type FlashedBundle } from '../auth/flash-statements.ts';
import { loadTrustedKeys, verifyStatement } from '../auth/signing-keys.ts';
import type { FlashBeginMsg } from '../messages.ts';
import type { BridgeLogEvent } from './bridge-log.ts';
import { readInstalledVersion, writeInstalledVersion, type InstalledVersion } from './installed-version.ts';
import { PeerRateLimit, peerKeyOf, type RateLimitOptions } from './peer-rate-limit.ts';
import { RefusalLog } from './refusal-log.ts';

const SHA256_HEX = /^[0-9a-f]{64}$/;
/** Free space kept beyond a flash's needs (staged tar + its extraction), bytes: 16 MiB. */
const DISK_RESERVE_BYTES = 16 * 1024 * 1024;

export interface FlashGuardOptions {
  stagingDir: string;
  /** Shared link key for the FlashBegin MAC; null disables flashing. */
  keyBytes: Buffer | null;
  /** Folder of trusted Ed25519 public keys (`*.pub`). Default `<stagingDir>/../trusted-keys`. */
  trustDir?: string;
  /** Folder of installed-version.json. Default the staging folder's parent. */
  stateDir?: string;
  maxBundleBytes: number;
  log: (e: BridgeLogEvent) => void;
  /** A writer silent this long loses the staging slot to another one, ms. Default 10,000. */
  leaseMs?: number;
  rateLimit?: RateLimitOptions;
  /** Free bytes on the staging folder's file system (tests override). Default statfs. */
  freeBytes?: (dir: string) => Promise<number>;
}

/** The holder of the staging slot: a connection's flash session. */
export interface StagingWriter {
  readonly peer: string;
  /** Ends the writer's session (flushes and closes its staging file). */
  closeHandle(): Promise<void>;
}

async function statfsFree(dir: string): Promise<number> {
  const s = await fs.statfs(dir);
  return s.bavail * s.bsize;
}

const guards = new Map<string, FlashGuard>();

export class FlashGuard {
  readonly refusals: RefusalLog;
  readonly trustDir: string;
  readonly stateDir: string;
  private readonly rateLimit: PeerRateLimit;
  private owner: { writer: StagingWriter; sha256: string; activeAtMs: number } | undefined;

  constructor(readonly opts: FlashGuardOptions) {
    this.refusals = new RefusalLog(opts.log);
    this.rateLimit = new PeerRateLimit(opts.rateLimit);
    this.stateDir = opts.stateDir ?? path.dirname(path.resolve(opts.stagingDir));
    this.trustDir = opts.trustDir ?? path.join(this.stateDir, 'trusted-keys');
  }

  /** The guard of a staging folder (one per folder per process, so serial and TCP links share it). */
  static of(opts: FlashGuardOptions): FlashGuard {
    const key = path.resolve(opts.stagingDir);
    let g = guards.get(key);
    if (!g) { g = new FlashGuard(opts); guards.set(key, g); }
    return g;
  }

  /** Checks a FlashBegin against this link's nonce; throws the refusal. No file is written. */
  async authorize(begin: FlashBeginMsg, nonce: Buffer | undefined, peer: string): Promise<FlashedBundle> {
    const { keyBytes, maxBundleBytes } = this.opts;
    this.rateLimit.check(peerKeyOf(peer), 'flashBegin');
    if (!keyBytes) throw new RanasError('E_FLASH_DISABLED', 'flashing is disabled on this device: the agent was started without --key-file');
    if (begin.auth.length !== 32) {
      throw new RanasError('E_AUTH_REQUIRED', `flash refused: auth must be a 32-byte HMAC-SHA256 with the link key over (nonce, sha256, size, version, name), got ${begin.auth.length} bytes`);
    }
    if (!SHA256_HEX.test(begin.sha256)) throw new RanasError('E_BAD_MESSAGE', `flashBegin: sha256 must be 64 lowercase hex digits, got '${begin.sha256.slice(0, 80)}'`);
    if (begin.totalBytes === 0 || begin.totalBytes > maxBundleBytes) {
      throw new RanasError('E_BUNDLE_TOO_LARGE', `flashBegin: bundle of ${begin.totalBytes} bytes refused; expected 1..${maxBundleBytes} bytes`);
    }
    if (!nonce) throw new RanasError('E_NONCE_REQUIRED', 'flashBegin before a Hello on this link (or its nonce was used): say Hello and MAC the fresh nonce');
    const bundle: FlashedBundle = { name: begin.name, version: begin.bundleVersion, sizeBytes: begin.totalBytes, sha256: begin.sha256 };
    const kind = begin.kind ?? 'bundle';
    if (!flashMacMatches(keyBytes, nonce, bundle, begin.auth, kind)) {
      throw new RanasError('E_AUTH_FAILED', 'flash refused: the MAC does not match (wrong link key, or a session captured on another link and replayed)');
    }
    const trusted = loadTrustedKeys(this.trustDir);
    if (trusted.length === 0) throw new RanasError('E_NO_TRUSTED_KEY', `flash refused: this device trusts no signing key; add the host's public key with 'ranas device trust' (folder ${this.trustDir})`);
    const key = trusted.find((k) => k.id === begin.keyId);
    if (!key) throw new RanasError('E_UNTRUSTED_KEY', `flash refused: bundle signed by key '${begin.keyId.slice(0, 32)}', expected one of ${trusted.map((k) => k.id).join(', ')}`);
    if (!verifyStatement(key.key, bundleStatement(bundle, kind), begin.signature)) {
      throw new RanasError('E_BAD_SIGNATURE', `flash refused: the Ed25519 signature does not verify for ${kind === 'opPack' ? 'op pack' : 'bundle'} ${bundle.name} v${bundle.version} sha256 ${bundle.sha256.slice(0, 12)}… with key ${key.id}`);
    }
    // An op pack is measured, never installed: the version floor guards what runs, not what is timed.
    if (kind === 'opPack') return bundle;
    const installed = await readInstalledVersion(this.stateDir);
    if (bundle.version <= installed.version && bundle.sha256 !== installed.sha256) {
      if (begin.downgradeSignature.length === 0) {
        throw new RanasError('E_DOWNGRADE', `flash refused: version ${bundle.version} is not newer than the installed version ${installed.version}; expected a newer version or a signed downgrade intent (--allow-downgrade)`);
      }
      if (!verifyStatement(key.key, downgradeStatement(nonce, bundle), begin.downgradeSignature)) {
        throw new RanasError('E_BAD_SIGNATURE', `flash refused: the downgrade intent to v${bundle.version} does not verify with key ${key.id} for this link's nonce`);
      }
    }
    return bundle;
  }

  /**
   * Gives `writer` the staging slot for `sha256`, or throws E_BUSY naming the writer holding it. A holder
   * silent for the lease loses it (its session is closed first, so its gathered bytes land before the next
   * writer opens the file). Then checks the free disk space for the staged tar and its extraction.
   */
  async claim(writer: StagingWriter, begin: FlashBeginMsg, alreadyStaged: number): Promise<void> {
    const now = performance.now();
    const o = this.owner;
    if (o && o.writer !== writer) {
      const idleMs = now - o.activeAtMs;
      if (idleMs < (this.opts.leaseMs ?? 10_000)) {
        throw new RanasError('E_BUSY', `device busy: a flash of ${o.sha256.slice(0, 12)}… from ${o.writer.peer} is in progress (active ${Math.round(idleMs)} ms ago); expected one writer at a time`, { peer: o.writer.peer });
      }
      await o.writer.closeHandle();
    }
    const needed = begin.totalBytes - alreadyStaged + begin.totalBytes + DISK_RESERVE_BYTES;
    await fs.mkdir(this.opts.stagingDir, { recursive: true });
    const free = await (this.opts.freeBytes ?? statfsFree)(this.opts.stagingDir);
    if (free < needed) {
      throw new RanasError('E_NO_SPACE', `flash of ${begin.totalBytes} bytes refused: ${free} bytes free in ${this.opts.stagingDir}, expected at least ${needed} (staging + install + ${DISK_RESERVE_BYTES} reserve)`, { freeBytes: free, neededBytes: needed });
    }
    this.owner = { writer, sha256: begin.sha256, activeAtMs: now };
  }

  /** Records a refused request from `peer`: counted, logged (aggregated), and charged to its rate limit. */
  refused(code: string, peer: string, message: string): void {
    if (code !== 'E_RATE_LIMITED') this.rateLimit.charge(peerKeyOf(peer));
    this.refusals.record(code, peer, message);
  }

  /** True while `writer` holds the slot; refreshes its lease. */
  touch(writer: StagingWriter): boolean {
    if (this.owner?.writer !== writer) return false;
    this.owner.activeAtMs = performance.now();
    return true;
  }

  /** Frees the slot if `writer` holds it. */
  release(writer: StagingWriter): void {
    if (this.owner?.writer === writer) this.owner = undefined;
  }

  installedVersion(): Promise<InstalledVersion> {
    return readInstalledVersion(this.stateDir);
  }

  /** Records the bundle just installed as the version floor (durable). */
  recordInstalled(v: InstalledVersion): Promise<void> {
    return writeInstalledVersion(this.stateDir, v);
  }
}
