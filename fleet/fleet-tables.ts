/**
 * The rows `ranas fleet list|status|profile` print, built from the fleet view (pure functions, tested).
 * Profile: the time to answer at exit k on a device is its segments 0..k; p50 is the sum of the segments'
 * p50s, p99 the sum of their p99s (the same conservative prediction the device's scheduler makes). Below
 * the device rows, one row per statistic over the fleet: median and the worst device.
 */
import type { DeviceView } from './fleet-view.ts';

export type Cell = string | number | boolean | null;
export type TableRow = Record<string, Cell>;

export function listRows(devices: readonly DeviceView[]): TableRow[] {
  return devices.map((d) => ({
    device: d.device,
    online: d.presence?.online ?? null,
    since: d.presence?.at ?? null,
    bundle: d.info?.bundle?.name ?? null,
    version: d.info?.bundle?.version ?? null,
    sha256: d.info?.bundle ? d.info.bundle.sha256.slice(0, 12) : null,
    runtimes: d.info ? d.info.runtimes.join(',') : null,
    agent: d.info?.agentVersion ?? null,
    simulated: d.info?.simulated ?? null,
  }));
}

export function statusRows(devices: readonly DeviceView[], rolloutId?: string): TableRow[] {
  return devices
    .filter((d) => rolloutId === undefined || d.status?.rolloutId === rolloutId)
    .map((d) => ({
      device: d.device,
      online: d.presence?.online ?? null,
      rollout: d.status?.rolloutId ?? null,
      job: d.status?.action ?? null,
      state: d.status?.state ?? null,
      at: d.status?.at ?? null,
      'active version': d.status?.active?.version ?? d.info?.bundle?.version ?? null,
      error: d.status?.error ?? null,
    }));
}

/** Count of devices per job state (the rollout's summary line). */
export function stateCounts(devices: readonly DeviceView[], rolloutId?: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const d of devices) {
    if (rolloutId !== undefined && d.status?.rolloutId !== rolloutId) continue;
    const s = d.status?.state ?? 'no job';
    counts[s] = (counts[s] ?? 0) + 1;
  }
  return counts;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Per device, per exit cumulative p50/p99 (µs), then fleet median and worst rows. */
export function profileRows(devices: readonly DeviceView[]): TableRow[] {
  const profiled = devices.filter((d) => d.info?.profile && d.info.profile.segments.length > 0);
  const exits = Math.max(0, ...profiled.map((d) => d.info?.profile?.segments.length ?? 0));
  const perDevice = profiled.map((d): TableRow => {
    const segs = d.info?.profile?.segments ?? [];
    let p50 = 0;
    let p99 = 0;
    const cells: Record<string, number | null> = {};
    for (let k = 0; k < exits; k++) {
      const s = segs[k];
      if (s) { p50 += s.p50Us; p99 += s.p99Us; }
      cells[`exit${k} p50 µs`] = s ? Math.round(p50) : null;
      cells[`exit${k} p99 µs`] = s ? Math.round(p99) : null;
    }
    return { device: d.device, bundle: d.info?.bundle?.name ?? null, ...cells };
  });
  const summary = (label: string, f: (xs: number[]) => number): TableRow => {
    const row: TableRow = { device: label, bundle: null };
    for (let k = 0; k < exits; k++) {
      for (const q of ['p50', 'p99']) {
        const col = `exit${k} ${q} µs`;
        const xs = perDevice.map((r) => r[col]).filter((x): x is number => typeof x === 'number');
        row[col] = xs.length ? Math.round(f(xs)) : null;
      }
    }
    return row;
  };
  return perDevice.length === 0 ? [] : [...perDevice, summary(`fleet median (${perDevice.length} devices)`, median), summary('fleet worst', (xs) => Math.max(...xs))];
}
