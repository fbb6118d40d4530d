/** A real `ranas-agent` process serving the bridge on a loopback TCP port (tests): started, its port read from its `ready tcp <port>` line. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { RanasError } from '../../src/errors.ts';

const BIN = fileURLToPath(new URL('../../bin/ranas-agent.mjs', import.meta.url));

/** Starts the agent with `--listen 127.0.0.1:0` and waits (30 s at most) for the port it took. */
export async function startTcpAgent(store: string, keyFile: string): Promise<{ proc: ChildProcessWithoutNullStreams; port: number }> {
  const proc = spawn(process.execPath, [BIN, '--bundle-dir', store, '--listen', '127.0.0.1:0', '--key-file', keyFile, '--warmups', '1', '--profile-runs', '5'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const port = await new Promise<number>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new RanasError('E_TEST', 'agent not ready in 30 s')), 30_000);
    proc.stdout.on('data', (b: Buffer) => {
      text += b.toString();
      const m = /^ready tcp (\d+)$/m.exec(text);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
  }).catch((e: unknown) => { proc.kill(); throw e; });
  return { proc, port };
}
