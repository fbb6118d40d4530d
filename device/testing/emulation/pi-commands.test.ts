import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { packagePath } from '../../../src/package-root.ts';
import { deviceTarballName } from '../../package/build-device-package.ts';
import { agentBin, docPiPaths, piCommands, shellLine } from './pi-commands.ts';

const doc = readFileSync(packagePath('docs', 'raspberry-pi.md'), 'utf8');
/** Lines inside the document's ```sh blocks. */
const shLines = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1].split('\n').map((l) => l.trim()));

test('docs/raspberry-pi.md gives exactly the commands scripts/arm64-agent.ts runs (install, arch, agent on the serial link)', () => {
  const cmds = piCommands(docPiPaths(deviceTarballName('linux-arm64')));
  for (const [name, c] of Object.entries(cmds)) {
    assert.ok(shLines.includes(shellLine(c)), `the document has the ${name} command as a shell line: ${shellLine(c)}`);
  }
  assert.equal(shellLine(cmds.arch), 'node -p process.arch');
  assert.match(shellLine(cmds.install), /^npm install --prefix \/opt\/ranas --offline .* \.\/ranas-agent-\d+\.\d+\.\d+-linux-arm64\.tgz$/);
});

test('the systemd unit starts the same agent bin the install puts under /opt/ranas', () => {
  const unit = readFileSync(packagePath('device', 'systemd', 'ranas-agent.service'), 'utf8');
  const execStart = unit.split('\n').find((l) => l.startsWith('ExecStart='));
  assert.ok(execStart?.includes(` ${agentBin('/opt/ranas')} `), `ExecStart runs ${agentBin('/opt/ranas')}: ${execStart}`);
});
