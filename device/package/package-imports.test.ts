import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { packageImports } from './build-device-package.ts';

test('packageImports finds every package a compiled file loads, and no quoted "from \'…\'" inside a message', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ranas-imports-'));
  try {
    writeFileSync(join(dir, 'a.js'), [
      "import { x } from 'alpha';",
      'import {',
      '  y,',
      "  z } from '@scope/beta/sub';",
      "export { w } from 'gamma';",
      "import 'delta';",
      "const hint = `expected a file from 'ranas keys generate'`;",
      "const m = await import('epsilon');",
      "require('zeta');",
      "import { q } from './local.js';",
      "import fs from 'node:fs';",
    ].join('\n'));
    assert.deepEqual([...packageImports(dir)].sort(), ['@scope/beta', 'alpha', 'delta', 'epsilon', 'gamma', 'zeta']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
