/** Protocol version negotiation: both sides send their range; the highest common version wins. */
import { RanasError } from '../../src/errors.ts';

export interface VersionRange {
  min: number;
  max: number;
}

/** Highest version in both ranges; E_PROTOCOL_VERSION naming both ranges when there is none. */
export function negotiateVersion(host: VersionRange, device: VersionRange): number {
  const high = Math.min(host.max, device.max);
  const low = Math.max(host.min, device.min);
  if (high < low || host.min > host.max) {
    throw new RanasError('E_PROTOCOL_VERSION', `no common protocol version: host speaks ${host.min}..${host.max}, device speaks ${device.min}..${device.max}`, { host: `${host.min}..${host.max}`, device: `${device.min}..${device.max}` });
  }
  return high;
}
