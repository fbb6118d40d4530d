/**
 * MQTT topic layout of a fleet. Every topic sits under one prefix (default `ranas`), so several fleets can
 * share a broker and broker ACLs can be written per prefix:
 *   <p>/devices/<id>/presence    retained, device → all     {online, at}; the broker's last will sets online=false
 *   <p>/devices/<id>/info        retained, device → all     name, agent version, runtimes, active bundle, profile
 *   <p>/devices/<id>/heartbeat   device → all               stats every few seconds (not retained)
 *   <p>/devices/<id>/job         retained, operator → device the signed job envelope (the latest job only)
 *   <p>/devices/<id>/job-status  retained, device → all     state of the device's latest job
 *   <p>/rollouts/<id>/state      retained, rollout → all    the rollout's waves and outcome
 *   <p>/rollouts/<id>/abort      operator → rollout         a signed abort request
 * Device ids are topic-safe names (letters, digits, `.`, `_`, `-`), checked where they enter.
 */
import { RanasError } from '../src/errors.ts';

export const DEFAULT_TOPIC_PREFIX = 'ranas';

/** The per-device topics. */
export type DeviceTopic = 'presence' | 'info' | 'heartbeat' | 'job' | 'job-status';
/** The per-rollout topics. */
export type RolloutTopic = 'state' | 'abort';

const NAME = /^[A-Za-z0-9._-]{1,128}$/;

/** Checks a device or rollout id is usable as one topic level (no `/`, `+`, `#`, spaces). */
export function checkTopicName(name: string, what: string): string {
  if (!NAME.test(name)) throw new RanasError('E_FLEET_NAME', `${what} '${name}' is not a usable name; expected 1-128 letters, digits, '.', '_' or '-'`, { name });
  return name;
}

export function deviceTopic(prefix: string, device: string, topic: DeviceTopic): string {
  return `${prefix}/devices/${device}/${topic}`;
}

/** Wildcard over one topic of every device. */
export function everyDeviceTopic(prefix: string, topic: DeviceTopic): string {
  return `${prefix}/devices/+/${topic}`;
}

export function rolloutTopic(prefix: string, rollout: string, topic: RolloutTopic): string {
  return `${prefix}/rollouts/${rollout}/${topic}`;
}

/** Splits `<p>/devices/<id>/<topic>` into its device and topic (undefined for any other topic). */
export function parseDeviceTopic(prefix: string, topic: string): { device: string; topic: DeviceTopic } | undefined {
  const parts = topic.split('/');
  const head = prefix.split('/');
  if (parts.length !== head.length + 3 || head.some((h, i) => parts[i] !== h) || parts[head.length] !== 'devices') return undefined;
  const device = parts[head.length + 1];
  const kind = parts[head.length + 2];
  return isDeviceTopic(kind) && NAME.test(device) ? { device, topic: kind } : undefined;
}

const DEVICE_TOPICS: Record<DeviceTopic, true> = { presence: true, info: true, heartbeat: true, job: true, 'job-status': true };

function isDeviceTopic(s: string): s is DeviceTopic {
  return Object.hasOwn(DEVICE_TOPICS, s);
}
