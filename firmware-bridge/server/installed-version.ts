/**
 * The version floor: the release number and tar sha256 of the last bundle the bridge installed, kept in
 * `<stateDir>/installed-version.json` (written durably after each install). A FlashBegin for a version not
 * above it is refused unless it carries a signed downgrade intent; the same bundle again (same sha256) is not a
 * downgrade. A crash between an install and this write leaves the older floor: only versions above the older
 * bundle are accepted meanwhile, never one below it.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { writeFileDurable } from '../durable/durable-file.ts';

export interface InstalledVersion {
  version: number;
  sha256: string;
}

const FILE = 'installed-version.json';

export async function readInstalledVersion(stateDir: string): Promise<InstalledVersion> {
  const text = await fs.readFile(path.join(stateDir, FILE), 'utf8').catch(() => '');
  if (!text) return { version: 0, sha256: '' };
  try {
    const v: unknown = JSON.parse(text);
    if (v && typeof v === 'object' && 'version' in v && 'sha256' in v && typeof v.version === 'number' && typeof v.sha256 === 'string') {
      return { version: v.version, sha256: v.sha256 };
    }
  } catch {
    // a torn file cannot happen (atomic rename); anything else unreadable is treated as the highest floor
  }
  return { version: 0xffffffff, sha256: '' };
}

export async function writeInstalledVersion(stateDir: string, v: InstalledVersion): Promise<void> {
  await fs.mkdir(stateDir, { recursive: true });
  await writeFileDurable(path.join(stateDir, FILE), JSON.stringify(v) + '\n');
}
