/**
 * ChunkSizer: the flash chunk size, adapted to the link the way a congestion window is: halved after a chunk
 * that needed a resend (a retry after its answer timed out, or a rewind because the device missed bytes), and
 * doubled back after `growAfter` clean chunks in a row, between `min` and the size asked for. A clean link
 * (USB gadget, TCP, a pty) keeps big chunks, which cost the least CPU per byte at both ends; a noisy UART
 * settles where most chunks get through, instead of resending a large chunk that a bit error spoils every time.
 */

/** Smallest chunk the sizer shrinks to unless a smaller size was asked for, in bytes. */
export const MIN_ADAPTIVE_CHUNK_BYTES = 1024;
/** Clean chunks in a row before the size doubles again. */
export const GROW_AFTER_CLEAN_CHUNKS = 8;

export class ChunkSizer {
  private size: number;
  private cleanInARow = 0;
  readonly min: number;

  constructor(readonly max: number, min = MIN_ADAPTIVE_CHUNK_BYTES, readonly growAfter = GROW_AFTER_CLEAN_CHUNKS) {
    this.min = Math.min(max, min);
    this.size = max;
  }

  /** Bytes for the next chunk. */
  get bytes(): number {
    return this.size;
  }

  /** Records one answered chunk; `neededResend` when it was retried or rewound. */
  record(neededResend: boolean): void {
    if (neededResend) {
      this.size = Math.max(this.min, Math.floor(this.size / 2));
      this.cleanInARow = 0;
      return;
    }
    if (++this.cleanInARow >= this.growAfter && this.size < this.max) {
      this.size = Math.min(this.max, this.size * 2);
      this.cleanInARow = 0;
    }
  }
}
