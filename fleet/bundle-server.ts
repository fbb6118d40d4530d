/**
 * Serves bundle tars over HTTP for a rollout: `GET /bundles/<sha256>.tar`, with single byte ranges
 * (`Range: bytes=N-` or `bytes=N-M` → 206 + Content-Range), so an interrupted download resumes where it
 * stopped. Large bundles never travel through the broker. An optional rate limit per response (bytes/s)
 * keeps a rollout from saturating a site's uplink (and lets tests interrupt downloads half way).
 * Bind to loopback unless devices reach it over a network; put TLS in front (a reverse proxy) on open networks.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BundleServer {
  /** Base URL, e.g. http://127.0.0.1:PORT */
  url: string;
  /** URL of a served bundle. */
  urlOf(sha256: string): string;
  /** Adds a bundle tar (served until close). */
  add(sha256: string, bytes: Uint8Array): void;
  /** Requests answered and payload bytes sent (for reports). */
  counters: { requests: number; rangeRequests: number; bytesSent: number };
  close(): Promise<void>;
}

export interface BundleServerOptions {
  host?: string;
  port?: number;
  /** Payload bytes per second per response (default unlimited). */
  bytesPerSecond?: number;
  /** Advertised host in URLs (default the bound host). */
  publicHost?: string;
}

/** Parses a single `bytes=` range against a size; undefined when absent or unsatisfiable. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'invalid' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'invalid';
  if (m[1] === '') {
    const suffix = Number(m[2]);
    return suffix === 0 ? 'invalid' : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  return start >= size || end < start ? 'invalid' : { start, end };
}

export async function startBundleServer(o: BundleServerOptions = {}): Promise<BundleServer> {
  const bundles = new Map<string, Uint8Array>();
  const counters = { requests: 0, rangeRequests: 0, bytesSent: 0 };
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    counters.requests++;
    const m = /^\/bundles\/([0-9a-f]{64})\.tar$/.exec(req.url ?? '');
    const bytes = m ? bundles.get(m[1]) : undefined;
    if (!bytes || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(bytes ? 405 : 404).end();
      return;
    }
    const range = parseRange(req.headers.range, bytes.length);
    if (range === 'invalid') {
      res.writeHead(416, { 'content-range': `bytes */${bytes.length}` }).end();
      return;
    }
    const { start, end } = range ?? { start: 0, end: bytes.length - 1 };
    if (range) counters.rangeRequests++;
    res.writeHead(range ? 206 : 200, {
      'content-type': 'application/x-tar',
      'content-length': end - start + 1,
      'accept-ranges': 'bytes',
      ...(range ? { 'content-range': `bytes ${start}-${end}/${bytes.length}` } : {}),
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    void send(res, bytes.subarray(start, end + 1));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function send(res: http.ServerResponse, body: Uint8Array): Promise<void> {
    const rate = o.bytesPerSecond;
    if (!rate) {
      counters.bytesSent += body.length;
      res.end(body);
      return;
    }
    // Slices of 1/20 s worth of bytes, each after its due time.
    const slice = Math.max(1, Math.floor(rate / 20));
    for (let off = 0; off < body.length && !res.destroyed; off += slice) {
      const part = body.subarray(off, off + slice);
      counters.bytesSent += part.length;
      res.write(part);
      await new Promise((r) => setTimeout(r, (part.length / rate) * 1000));
    }
    res.end();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${o.publicHost ?? o.host ?? '127.0.0.1'}:${port}`;
  return {
    url,
    urlOf: (sha256) => `${url}/bundles/${sha256}.tar`,
    add: (sha256, bytes) => { bundles.set(sha256, bytes); },
    counters,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
