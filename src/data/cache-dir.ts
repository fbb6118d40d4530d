/** Where datasets are cached: `$RANAS_DATA`, else `~/.cache/ranas`. */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The data cache directory (not created here). */
export function dataCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.RANAS_DATA;
  if (fromEnv && fromEnv.trim() !== '') return resolve(fromEnv);
  return join(homedir(), '.cache', 'ranas');
}
