/**
 * Bilinear resize of one uint8 HWC image, with half-pixel centres (the convention of
 * tf.image.resize(..., 'bilinear') and PIL): source coordinate = (dst + 0.5) * (srcSize / dstSize) - 0.5,
 * clamped at the borders.
 */

/** Resizes `src` (srcH×srcW×C) to dstH×dstW×C. */
export function resizeBilinear(src: Uint8Array, srcH: number, srcW: number, channels: number, dstH: number, dstW: number): Uint8Array {
  const out = new Uint8Array(dstH * dstW * channels);
  if (srcH === dstH && srcW === dstW) {
    out.set(src.subarray(0, out.length));
    return out;
  }
  const sy = srcH / dstH;
  const sx = srcW / dstW;
  for (let y = 0; y < dstH; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), srcH - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, srcH - 1);
    const wy = fy - y0;
    for (let x = 0; x < dstW; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), srcW - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, srcW - 1);
      const wx = fx - x0;
      for (let c = 0; c < channels; c++) {
        const a = src[(y0 * srcW + x0) * channels + c];
        const b = src[(y0 * srcW + x1) * channels + c];
        const d = src[(y1 * srcW + x0) * channels + c];
        const e = src[(y1 * srcW + x1) * channels + c];
        const top = a + (b - a) * wx;
        const bottom = d + (e - d) * wx;
        out[(y * dstW + x) * channels + c] = Math.round(top + (bottom - top) * wy);
      }
    }
  }
  return out;
}
