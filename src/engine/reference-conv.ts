/**
 * Direct float64 convolutions in plain JS (TF semantics, NHWC): the reference the engine's gradient tests
 * take finite differences of. Slow by design; tiny shapes only.
 */
import { axisGeometry } from '../ir/padding.ts';
import { RanasError } from '../errors.ts';

/** A float64 NHWC tensor. */
export interface Tensor64 {
  data: Float64Array;
  shape: [number, number, number, number];
}


/**
 * Convolution of x [N,H,W,Cin] with filter [kh,kw,Cin,M]. `depthwise`: output channel c*M+q reads input
 * channel c only (filter[:,:,c,q]); otherwise output channel q sums over every input channel.
 */
export function referenceConv(
  x: Tensor64,
  filter: Tensor64,
  o: { strides: [number, number]; dilation: [number, number]; padding: 'same' | 'valid'; depthwise: boolean },
): Tensor64 {
  const [n, h, w, cin] = x.shape;
  const [kh, kw, fin, m] = filter.shape;
  if (fin !== cin) throw new RanasError('E_KERNEL_INPUT', `reference conv: filter has ${fin} input channels; x has ${cin}`);
  const gh = axisGeometry(h, kh, o.strides[0], o.dilation[0], o.padding);
  const gw = axisGeometry(w, kw, o.strides[1], o.dilation[1], o.padding);
  const cout = o.depthwise ? cin * m : m;
  const out = new Float64Array(n * gh.out * gw.out * cout);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < gh.out; oy++) {
      for (let ox = 0; ox < gw.out; ox++) {
        const base = ((b * gh.out + oy) * gw.out + ox) * cout;
        for (let i = 0; i < kh; i++) {
          const y = oy * o.strides[0] + i * o.dilation[0] - gh.padBefore;
          if (y < 0 || y >= h) continue;
          for (let j = 0; j < kw; j++) {
            const xx = ox * o.strides[1] + j * o.dilation[1] - gw.padBefore;
            if (xx < 0 || xx >= w) continue;
            const xBase = ((b * h + y) * w + xx) * cin;
            const fBase = (i * kw + j) * cin * m;
            for (let c = 0; c < cin; c++) {
              const xv = x.data[xBase + c];
              for (let q = 0; q < m; q++) {
                const f = filter.data[fBase + c * m + q];
                out[base + (o.depthwise ? c * m + q : q)] += xv * f;
              }
            }
          }
        }
      }
    }
  }
  return { data: out, shape: [n, gh.out, gw.out, cout] };
}
