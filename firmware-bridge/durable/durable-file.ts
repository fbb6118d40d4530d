/**
 * Writes that survive a power cut: data is fsynced before the rename that publishes it, and the folder is
 * fsynced after the rename (on ext4 and most POSIX file systems a rename is durable only once its directory
 * is). Each step is a crash point (crash-point.ts).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { crashPoint } from './crash-point.ts';

/** fsync of a folder, so renames, creations and removals in it are on disk. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `data` to `file` atomically and durably: temp file, fsync, rename, fsync of the folder. */
export async function writeFileDurable(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  crashPoint(`write ${path.basename(tmp)}`);
  const handle = await fs.open(tmp, 'w');
  try {
    await handle.writeFile(data);
    crashPoint(`fsync ${path.basename(tmp)}`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  crashPoint(`rename ${path.basename(file)}`);
  await fs.rename(tmp, file);
  crashPoint(`fsync-dir ${path.basename(path.dirname(file))}`);
  await fsyncDir(path.dirname(file));
}
