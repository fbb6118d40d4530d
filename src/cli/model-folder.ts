/**
 * The model folder a command reads, from what a person passes: a model folder (model.json + weights.bin)
 * or a run folder (its `model/` subfolder, written by `ranas train`).
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RanasError } from '../errors.ts';

/** Resolves `dir` to a folder holding model.json; E_NO_MODEL names what was found and what was expected. */
export function modelFolderOf(dir: string): string {
  if (!existsSync(dir)) throw new RanasError('E_NO_MODEL', `${dir} does not exist; expected a run folder (runs/<name>) or a model folder (model.json + weights.bin)`, { dir });
  if (!statSync(dir).isDirectory()) throw new RanasError('E_NO_MODEL', `${dir} is a file; expected a run folder (runs/<name>) or a model folder (model.json + weights.bin)`, { dir });
  if (existsSync(join(dir, 'model.json'))) return dir;
  if (existsSync(join(dir, 'model', 'model.json'))) return join(dir, 'model');
  const hint = existsSync(join(dir, 'checkpoint.bin')) ? ' (the run has a checkpoint but no model/ yet: finish it with --resume)' : '';
  throw new RanasError('E_NO_MODEL', `${dir} holds neither model.json nor model/model.json${hint}; expected a run folder (runs/<name>) or a model folder`, { dir });
}
