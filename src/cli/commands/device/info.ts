/** `ranas device info`: the device, its agent, protocol version, active bundle and profile. */
import { printTable, type Row } from '../../../text-table.ts';
import { withClient, type DeviceCliOptions } from './link.ts';

export async function runInfo(o: DeviceCliOptions): Promise<void> {
  const info = await withClient(o, (c) => c.hello());
  if (o.json) { process.stdout.write(JSON.stringify({ ...info, nonce: info.nonce.toString('hex') }, null, 2) + '\n'); return; }
  const rows: Row[] = [
    { field: 'device', value: info.deviceName },
    { field: 'agent version', value: info.agentVersion },
    { field: 'protocol version', value: `${info.protocolVersion} (device speaks ${info.minProtocolVersion}..${info.maxProtocolVersion})` },
    { field: 'runtimes', value: info.runtimes.join(', ') || '-' },
    { field: 'active bundle', value: info.activeBundle ? `${info.activeBundle.name} v${info.activeBundle.version} sha256 ${info.activeBundle.sha256.slice(0, 16)}…` : 'none' },
    { field: 'max frame, bytes', value: info.maxFrameBytes },
    { field: 'installed bundle version', value: info.installedVersion || 'none flashed' },
  ];
  info.profile?.segments.forEach((s, i) => rows.push({ field: `segment ${i} latency p50 / p99, µs`, value: `${s.p50Us.toFixed(0)} / ${s.p99Us.toFixed(0)} (${s.runs} runs on ${info.profile?.device}${s.precision ? `, ${s.precision}` : ''}${s.threads ? `, ${s.threads} thread${s.threads === 1 ? '' : 's'}` : ''})` }));
  const overhead = info.profile?.overhead;
  if (overhead) {
    rows.push({ field: 'request input overhead p50 / p99, µs', value: `${overhead.input.p50Us.toFixed(0)} / ${overhead.input.p99Us.toFixed(0)}` });
    rows.push({ field: 'request answer overhead p50 / p99, µs', value: `${overhead.answer.p50Us.toFixed(0)} / ${overhead.answer.p99Us.toFixed(0)}` });
  }
  printTable(rows);
}
