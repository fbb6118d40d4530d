/**
 * BufferPool: blocks for big frames (a flash chunk's wire bytes on the host, its received body on the
 * device) that are given back explicitly once their last user is done, and handed out again.
 * Fresh memory is what a flash chunk costs most: a dead buffer is only freed at the next garbage
 * collection, and little JavaScript garbage is made per chunk, so a first flash ran on fresh pages for
 * every frame — one page fault per 4 KiB, on each side (about 3,000 per 8 MiB on the device).
 * Only blocks this pool issued are taken back, each once; a buffer never given back is simply collected.
 */

/** Blocks are multiples of this many bytes, so frames of similar sizes share them. */
const BLOCK_GRANULE_BYTES = 64 * 1024;

export class BufferPool {
  private readonly free: ArrayBuffer[] = [];
  private readonly issued = new WeakSet<ArrayBuffer>();

  /**
   * @param minBytes requests smaller than this get ordinary fresh buffers (small frames are cheap).
   * @param maxFree blocks kept for reuse; more given back are left to the garbage collector.
   */
  constructor(readonly minBytes = 16 * 1024, readonly maxFree = 16) {}

  /** A buffer of `size` bytes: a view of a pooled block when `size` ≥ minBytes, else a fresh one. */
  take(size: number): Buffer {
    if (size < this.minBytes) return Buffer.allocUnsafe(size);
    const i = this.free.findIndex((block) => block.byteLength >= size);
    const block = i >= 0 ? this.free.splice(i, 1)[0] : Buffer.allocUnsafeSlow(Math.ceil(size / BLOCK_GRANULE_BYTES) * BLOCK_GRANULE_BYTES).buffer;
    this.issued.add(block);
    return Buffer.from(block, 0, size);
  }

  /**
   * Gives back the block behind `view` (any view of a buffer from `take`); anything else, or a block given
   * back already, is ignored. The caller promises that nothing reads or writes that block any more.
   */
  release(view: Uint8Array): void {
    const block = view.buffer;
    if (!(block instanceof ArrayBuffer) || !this.issued.has(block)) return;
    this.issued.delete(block);
    if (this.free.length < this.maxFree) this.free.push(block);
  }

  /** Blocks waiting to be reused. */
  get freeBlocks(): number {
    return this.free.length;
  }
}
