/** `ranas device stats`: agent and link counters. */
import { printTable, type Row } from '../../../text-table.ts';
import { withClient, type DeviceCliOptions } from './link.ts';

export async function runStats(o: DeviceCliOptions): Promise<void> {
  const s = await withClient(o, (c) => c.stats());
  const rows: Row[] = [
    ...Object.entries(s.agent).map(([counter, value]) => ({ scope: 'agent', counter, value })),
    ...Object.entries(s.link).map(([counter, value]) => ({ scope: 'link', counter, value })),
  ];
  printTable(rows, { json: o.json });
}
