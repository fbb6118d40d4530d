import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { AGENT_ENV, AGENT_NODE_FLAGS } from './agent-node-flags.ts';

const read = (rel: string) => readFileSync(new URL(rel, import.meta.url), 'utf8');

test('the agent starts with its V8 flags and environment everywhere it is launched (bin shebang, systemd unit, demo)', () => {
  const shebang = read('../bin/ranas-agent.mjs').split('\n')[0];
  const execStart = read('./systemd/ranas-agent.service').split('\n').find((l) => l.startsWith('ExecStart='));
  assert.ok(execStart, 'the unit has an ExecStart line');
  for (const flag of AGENT_NODE_FLAGS) {
    assert.ok(shebang.includes(flag), `bin/ranas-agent.mjs shebang has ${flag}: ${shebang}`);
    assert.ok(execStart.includes(`node ${AGENT_NODE_FLAGS.join(' ')} `), `ExecStart passes the flags to node: ${execStart}`);
  }
  for (const [k, v] of Object.entries(AGENT_ENV)) {
    assert.ok(shebang.includes(`-S ${k}=${v} node `), `bin/ranas-agent.mjs shebang sets ${k}: ${shebang}`);
    assert.ok(read('./systemd/ranas-agent.service').includes(`Environment=${k}=${v}\n`), `the unit sets ${k}`);
  }
  assert.match(read('../src/demo/local-agent.ts'), /spawn\(process\.execPath, \[\.\.\.AGENT_NODE_FLAGS, \.\.\.args\], \{[^}]*env: \{ \.\.\.process\.env, \.\.\.AGENT_ENV \}/);
});
