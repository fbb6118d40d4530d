/**
 * ChunkSizer: how many bundle bytes the next flash chunk carries. A fresh link starts small (nothing on the
 * wire is bigger than what the link has shown it carries); every `growAfter` clean chunks in a row (answered on
 * the first send, no rewind) the size doubles up to `max`; a lost or rewound chunk halves it down to `min`. On a
 * noisy UART the size settles where chunks usually get through; on a clean link it reaches `max` after a few
 * dozen chunks.
 */

/** First chunk size on a fresh link, bytes (an 8N1 UART at 921,600 baud moves it in 11 ms). */
export const DEFAULT_START_CHUNK_BYTES = 1024;

export class ChunkSizer {
  private size: number;
  private cleanRun = 0;
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
      this.size = Math.max(this.min, this.size >> 1);
      this.cleanRun = 0;
      return;
    }
    if (++this.cleanRun >= this.growAfter) {
      this.size = Math.min(this.max, this.size * 2);
      this.cleanRun = 0;
    }
  }
}
