/**
 * A fake AgentService for bridge tests: "installs" a bundle tar by checking its sha256 and copying it to
 * `<dir>/active.tar` (write beside, then rename: atomic), and "infers" a fixed computation —
 * class = (sum of input bytes) mod 10 — so the host can check answers without a model.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { RanasError } from '../../src/errors.ts';
import type { AgentInfo, AgentService, AgentStats } from '../agent-service.ts';
import type { ActiveBundleMsg, InferMsg, InferResultMsg, OpProfileMsg, ProfileOpsMsg } from '../messages.ts';
import { OpPackStore } from '../../device/op-packs/op-pack-store.ts';
import { isDone, itemKeys } from '../../src/bundle-format/op-pack.ts';

/** The fake's answer for an input: sum of its bytes (as unsigned) mod 10. */
export function fakeClassOf(input: Uint8Array): number {
  let sum = 0;
  for (const b of input) sum += b;
  return sum % 10;
}

export class FakeAgentService implements AgentService {
  private active: ActiveBundleMsg | undefined;
  private counters = { requests: 0, installs: 0, installFailures: 0 };

  /**
   * @param inferDelayUs CPU time each inference burns (a busy wait: the event loop is blocked, as by a model
   *   run on the main thread).
   * @param inferSleepUs time each inference waits off the event loop (as a model run on a worker thread).
   */
  constructor(private readonly dir: string, private readonly deviceName = 'fake-device', private readonly inferDelayUs = 0, private readonly inferSleepUs = 0) {}

  /** Loads the active bundle's identity from `<dir>/active.json`, when one was installed before. */
  async load(): Promise<this> {
    await fs.mkdir(this.dir, { recursive: true });
    const text = await fs.readFile(path.join(this.dir, 'active.json'), 'utf8').catch(() => '');
    if (text) {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && 'sha256' in parsed && typeof parsed.sha256 === 'string') {
        this.active = { name: `fake-${parsed.sha256.slice(0, 8)}`, sha256: parsed.sha256, version: '1' };
      }
    }
    return this;
  }

  async info(): Promise<AgentInfo> {
    return {
      deviceName: this.deviceName,
      agentVersion: 'fake-0',
      activeBundle: this.active,
      runtimes: ['fake'],
      profile: { device: this.deviceName, measuredAt: '1970-01-01T00:00:00Z', segments: [{ p50Us: 10, p99Us: 20, runs: 5 }] },
    };
  }

  async installBundle(stagedFile: string, expectedSha256: string): Promise<void> {
    const bytes = await fs.readFile(stagedFile);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (sha256 !== expectedSha256) {
      this.counters.installFailures++;
      throw new RanasError('E_CHECKSUM', `staged bundle has sha256 ${sha256}, expected ${expectedSha256}`);
    }
    const tmp = path.join(this.dir, 'active.tar.new');
    await fs.writeFile(tmp, bytes);
    await fs.rename(tmp, path.join(this.dir, 'active.tar'));
    await fs.writeFile(path.join(this.dir, 'active.json.new'), JSON.stringify({ sha256 }));
    await fs.rename(path.join(this.dir, 'active.json.new'), path.join(this.dir, 'active.json'));
    this.active = { name: `fake-${sha256.slice(0, 8)}`, sha256, version: '1' };
    this.counters.installs++;
  }

  async infer(req: InferMsg): Promise<InferResultMsg> {
    const t0 = performance.now();
    this.counters.requests++;
    const classIndex = fakeClassOf(req.input);
    if (this.inferDelayUs > 0) while ((performance.now() - t0) * 1000 < this.inferDelayUs) { /* busy wait: a model's compute */ }
    if (this.inferSleepUs > 0) await new Promise((r) => setTimeout(r, this.inferSleepUs / 1000));
    const totalUs = (performance.now() - t0) * 1000;
    return {
      exitIndex: 0, classIndex, label: `class-${classIndex}`, confidence: 1,
      topK: [{ classIndex, label: `class-${classIndex}`, confidence: 1 }],
      segmentLatencyUs: [totalUs], totalUs, budgetUs: req.budgetUs, met: totalUs <= req.budgetUs, overBudget: false,
    };
  }

  async stats(): Promise<AgentStats> {
    return { ...this.counters, rssBytes: process.memoryUsage().rss };
  }

  /** Keeps op packs as the agent does (checked, durable), in `<dir>/op-packs`. */
  async stageOpPack(stagedFile: string, expectedSha256: string): Promise<{ items: number }> {
    return { items: (await this.opPacks.stage(stagedFile, expectedSha256)).manifest.items.length };
  }

  /** "Measures" the next not-done item of a kept pack: p50 = 10 µs + its index, p99 twice that, no model run. */
  async profileOps(req: ProfileOpsMsg): Promise<OpProfileMsg> {
    const { manifest } = await this.opPacks.load(req.packSha256);
    const todo = manifest.items.map((it, i) => ({ it, i })).filter(({ i }) => !isDone(req.done, i));
    const next = todo[0];
    const entries = next ? itemKeys(next.it).map((key) => ({ item: next.i, key, part: next.it.part, p50Us: 10 + next.i, p99Us: 2 * (10 + next.i), runs: 1 })) : [];
    return { entries, remaining: Math.max(0, todo.length - 1), device: this.deviceName, runtime: manifest.runtime, threads: req.threads || 1, items: manifest.items.length };
  }

  private get opPacks(): OpPackStore {
    return (this.packStore ??= new OpPackStore(path.join(this.dir, 'op-packs')));
  }

  private packStore: OpPackStore | undefined;
}
