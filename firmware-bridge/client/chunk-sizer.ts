/**
 * ChunkSizer: how many bundle bytes the next flash chunk carries. A fresh link starts small (nothing on the
 * wire is bigger than what the link has shown it carries); every `growAfter` clean chunks in a row (answered on
 * the first send) the size doubles up to `max`; a lost chunk halves it down to `min`. A size at which a chunk
 * was lost is tried again only after `8 × growAfter` clean chunks (as TCP's slow-start threshold), so on a
 * steady noisy line the size settles just below where chunks start to get lost instead of swinging up into it;
 * on a clean link it reaches `max` after a few dozen chunks.
 */

/** First chunk size on a fresh link, bytes (an 8N1 UART at 921,600 baud moves it in 11 ms). */
export const DEFAULT_START_CHUNK_BYTES = 1024;

export class ChunkSizer {
  private size: number;
  private cleanRun = 0;
  /** Smallest size at which a chunk was lost since the size last grew past it. */
  private lossSize = Number.POSITIVE_INFINITY;
  readonly min: number;

  constructor(readonly max: number, min = 128, private readonly growAfter = 4, start = DEFAULT_START_CHUNK_BYTES) {
    this.min = Math.min(min, max);
    this.size = Math.max(this.min, Math.min(start, max));
  }

  /** Bytes for the next chunk. */
  get bytes(): number {
    return this.size;
  }

  /** Records a chunk's fate: `resent` when it had to be sent again (timeout or rewind). */
  record(resent: boolean): void {
    if (resent) {
      this.lossSize = Math.min(this.lossSize, this.size);
      this.size = Math.max(this.min, this.size >> 1);
      this.cleanRun = 0;
      return;
    }
    if (this.size >= this.lossSize) this.lossSize = Number.POSITIVE_INFINITY; // clean where it once failed
    const next = Math.min(this.max, this.size * 2);
    if (++this.cleanRun >= (next >= this.lossSize ? 8 * this.growAfter : this.growAfter)) {
      this.size = next;
      this.cleanRun = 0;
    }
  }
}
