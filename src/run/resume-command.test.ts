import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resumeCommand } from './resume-command.ts';

test('the resume command keeps every argument, drops --overwrite, adds --resume once and quotes what needs it', () => {
  assert.equal(resumeCommand(['train', '--name', 'a b', '--overwrite', '--epochs', '3']), "ranas train --name 'a b' --epochs 3 --resume");
  assert.equal(resumeCommand(['search', '--resume']), 'ranas search --resume');
});
