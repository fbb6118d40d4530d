/**
 * What the fleet session needs from a device: the real agent (agent-device.ts) and the simulated devices
 * (simulated-fleet.ts) both implement it, so both speak exactly the same protocol through the same code
 * (device-session.ts, job-runner.ts).
 */
import type { DeviceFleetState } from './job-guard.ts';
import type { FleetJob, HealthCheck, ProfileSummary } from './messages.ts';

export interface FleetDevice {
  /** Device id (topic-safe). */
  readonly name: string;
  readonly simulated: boolean;
  /** Folder where downloads are staged (the `.part` files survive restarts: downloads resume). */
  readonly stagingDir: string;
  agentVersion(): string;
  runtimes(): string[];
  /** The active bundle: name and the sha256 of the tar it was installed from (undefined: none). */
  active(): Promise<{ name: string; sha256: string } | undefined>;
  profile(): Promise<ProfileSummary | undefined>;
  stats(): Promise<Record<string, number>>;
  /** Installs a downloaded, sha256-checked bundle tar and makes it active; throws and keeps the old one active on failure. */
  install(file: string, job: FleetJob): Promise<void>;
  /** Checks the active bundle (profile + test inferences); throws a RanasError saying what failed. */
  healthCheck(check: HealthCheck): Promise<void>;
  /** Makes the previous bundle active again. */
  rollback(): Promise<void>;
  loadState(): Promise<DeviceFleetState>;
  saveState(state: DeviceFleetState): Promise<void>;
}
