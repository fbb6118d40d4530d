/** Flash defaults of the device client: a module of their own so the CLI can show them without loading the client. */
/**
 * Bundle bytes per flash chunk by default, at most (192 KiB; the device's default frame limit is 256 KiB). Every
 * chunk costs both ends a frame, an answer and a few trips through the event loop whatever its size, so on a
 * pty, USB or TCP link bigger chunks move more bytes per unit of CPU. Chunks start at 1 KiB on a fresh link and
 * grow toward this with clean answers (ChunkSizer); on a link that spoils chunks they shrink until they get through.
 */
export const DEFAULT_FLASH_CHUNK_BYTES = 192 * 1024;
/** Chunks in flight by default: enough to keep a line busy while the device answers; a loss costs at most these. */
export const DEFAULT_FLASH_WINDOW = 4;
/**
 * Bytes in flight by default, at most (two chunks are always allowed): 16 KiB keep a 921,600 baud line busy
 * for 180 ms, longer than a round trip, while a lost chunk costs little resending.
 */
export const DEFAULT_FLASH_WINDOW_BYTES = 16 * 1024;
