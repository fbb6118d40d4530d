/**
 * `ranas-agent --mqtt URL`: joins the agent to a fleet. Loaded by the agent CLI only when --mqtt is given
 * (so an agent without a broker never loads the MQTT client). The device id is the agent's device name.
 */
import type { Agent } from '../device/agent.ts';
import { agentDevice } from './agent-device.ts';
import type { BrokerOptions } from './broker-connection.ts';
import { startDeviceSession, type DeviceSession } from './device-session.ts';
import { readTrustedKeys } from './job-signing.ts';
import { RanasError } from '../src/errors.ts';
import { checkTopicName } from './topics.ts';

export interface AgentFleetOptions {
  agent: Agent;
  bundleDir: string;
  broker: BrokerOptions;
  /** PEM files of the public keys whose jobs this device accepts (at least one). */
  trustKeyFiles: string[];
  prefix?: string;
  heartbeatMs?: number;
  log: (line: string) => void;
}

export async function joinFleet(o: AgentFleetOptions): Promise<DeviceSession> {
  if (o.trustKeyFiles.length === 0) throw new RanasError('E_FLEET_KEY', '--mqtt needs at least one --trust-key (a public key whose signed jobs this device accepts)');
  const trusted = readTrustedKeys(o.trustKeyFiles);
  const info = await o.agent.info();
  const device = agentDevice({ agent: o.agent, bundleDir: o.bundleDir, deviceName: checkTopicName(info.deviceName, 'device name (--device-name)'), agentVersion: info.agentVersion, runtimes: info.runtimes });
  return startDeviceSession(device, { broker: o.broker, trusted, prefix: o.prefix, heartbeatMs: o.heartbeatMs, log: o.log });
}
