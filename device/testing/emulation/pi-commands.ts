/**
 * The commands a Raspberry Pi runs to install and start the device agent, as templates: docs/raspberry-pi.md
 * prints them with the Pi's paths (a test checks the document holds exactly these lines), and
 * scripts/arm64-agent.ts runs the same commands under qemu-aarch64 with temporary paths. Only the program
 * changes: `node` / `npm` on the Pi are `qemu-aarch64 -L <sysroot> <arm64 node> [npm-cli.js]` here.
 */
import { AGENT_ENV, AGENT_NODE_FLAGS } from '../../agent-node-flags.ts';
import { DEVICE_PACKAGE_NAME } from '../../package/build-device-package.ts';

/** The values a command is filled with. */
export interface PiPaths {
  /** The device package tarball. */
  tarball: string;
  /** npm --prefix of the install (the package lands in <prefix>/node_modules/ranas-agent). */
  prefix: string;
  /** The agent's bundle store. */
  store: string;
  /** Serial port of the link (USB gadget /dev/ttyGS0 on a Pi; a pty's device end here). */
  serial: string;
  keyFile: string;
  deviceName: string;
}

/** One command: environment, program (`node` or `npm`) and arguments. */
export interface PiCommand {
  env: Record<string, string>;
  program: 'node' | 'npm';
  args: string[];
}

/** The agent's bin inside an install. */
export function agentBin(prefix: string): string {
  return `${prefix}/node_modules/${DEVICE_PACKAGE_NAME}/bin/ranas-agent.mjs`;
}

/** Install, check the architecture, start the agent on the serial link. */
export function piCommands(p: PiPaths): { install: PiCommand; arch: PiCommand; agent: PiCommand } {
  return {
    install: { env: {}, program: 'npm', args: ['install', '--prefix', p.prefix, '--offline', '--no-audit', '--no-fund', p.tarball] },
    arch: { env: {}, program: 'node', args: ['-p', 'process.arch'] },
    agent: {
      env: { ...AGENT_ENV },
      program: 'node',
      args: [...AGENT_NODE_FLAGS, agentBin(p.prefix), '--bundle-dir', p.store, '--serial', p.serial, '--key-file', p.keyFile, '--device-name', p.deviceName],
    },
  };
}

/** A command as one shell line (what the document shows). */
export function shellLine(c: PiCommand): string {
  return [...Object.entries(c.env).map(([k, v]) => `${k}=${v}`), c.program, ...c.args].join(' ');
}

/** The paths the document uses (a Pi with the USB gadget serial port). */
export function docPiPaths(tarball: string): PiPaths {
  return { tarball: `./${tarball}`, prefix: '/opt/ranas', store: '/var/lib/ranas/store', serial: '/dev/ttyGS0', keyFile: '/etc/ranas/device.key', deviceName: 'pi' };
}
