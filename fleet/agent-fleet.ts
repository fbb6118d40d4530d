/**
 * `ranas-agent --mqtt URL`: joins the agent to a fleet. bin/ranas-agent.mjs loads this only when --mqtt is
 * given (so an agent without a broker never loads the MQTT client). The device id is the agent's device name.
 */
import type { FleetJoinRequest } from '../device/agent-cli.ts';
import { agentDevice } from './agent-device.ts';
import type { BrokerOptions } from './broker-connection.ts';
import { startDeviceSession, type DeviceSession } from './device-session.ts';
import path from 'node:path';
import { readTrustedKeys, trustFolderFiles } from './job-signing.ts';
import { RanasError } from '../src/errors.ts';
import { checkTopicName } from './topics.ts';

/** The agent CLI's request (device/agent-cli.ts); `trustKeyFiles`: PEM public keys whose jobs this device accepts (at least one). */
export type AgentFleetOptions = FleetJoinRequest & { broker: BrokerOptions };

export async function joinFleet(o: AgentFleetOptions): Promise<DeviceSession> {
  // --trust-key files plus the flash path's trust folder (ranas device trust): one set of keys for both.
  const trustDir = path.join(o.bundleDir, 'trusted-keys');
  const files = [...o.trustKeyFiles, ...trustFolderFiles(trustDir)];
  if (files.length === 0) throw new RanasError('E_FLEET_KEY', `--mqtt needs a trusted public key: --trust-key PUB.pem, or one in ${trustDir} (ranas device trust); none found`);
  const trusted = readTrustedKeys(files);
  const info = await o.agent.info();
  const device = agentDevice({ agent: o.agent, bundleDir: o.bundleDir, deviceName: checkTopicName(info.deviceName, 'device name (--device-name)'), agentVersion: info.agentVersion, runtimes: info.runtimes });
  return startDeviceSession(device, { broker: o.broker, trusted, prefix: o.prefix, heartbeatMs: o.heartbeatMs, log: o.log });
}
