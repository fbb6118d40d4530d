import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reproduceCommand } from './study.ts';

test("the study README's reproduce line drops --report-only and this machine's --work-dir", () => {
  assert.equal(reproduceCommand(['--plan', 'full', '--report-only', '--work-dir', '/work/wt/runs/study']), 'ranas study --plan full');
  assert.equal(reproduceCommand(['--work-dir=/tmp/w', '--plan', 'full', '--git-commit']), 'ranas study --plan full --git-commit');
  assert.equal(reproduceCommand(['--plan', 'smoke', '--results-dir', 'r']), 'ranas study --plan smoke --results-dir r');
});
