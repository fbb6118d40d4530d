/**
 * The platforms the slim device package is built for, and where each one's native pieces come from: the
 * TFLite C library folder of tfjs-tflite-node, the C++ compiler that builds the TFLite addon against it,
 * ONNX Runtime's prebuilt folder and serialport's prebuilds folder. One package per platform, so a Pi
 * downloads only its own libraries.
 */
import { RanasError } from '../../src/errors.ts';

/** Platforms the device package is built for (Node's `${process.platform}-${process.arch}`). */
export type DevicePlatform = 'linux-arm64' | 'linux-x64';

export interface DevicePlatformSpec {
  /** Node's process.platform / process.arch on that machine. */
  platform: 'linux';
  arch: 'arm64' | 'x64';
  /** tfjs-tflite-node/cc_deps/<dir>: libtensorflowlite_c.so and libexternal_delegate_obj.so. */
  tfliteLibDir: string;
  /** C++ compiler building the addon for this platform (Debian: g++-aarch64-linux-gnu, g++). */
  cxx: string;
  /** Debian package that provides `cxx`. */
  cxxPackage: string;
  /** onnxruntime-node/bin/napi-v6/<dir>. */
  onnxruntimeDir: string;
  /** @serialport/bindings-cpp/prebuilds/<dir>. */
  serialportPrebuilds: string;
  /** ELF e_machine name of the platform's binaries (device/arm64-natives.ts's elfMachine). */
  elfMachine: 'aarch64' | 'x86-64';
}

export const DEVICE_PLATFORMS: Record<DevicePlatform, DevicePlatformSpec> = {
  'linux-arm64': {
    platform: 'linux',
    arch: 'arm64',
    tfliteLibDir: 'linux_arm64',
    cxx: 'aarch64-linux-gnu-g++',
    cxxPackage: 'g++-aarch64-linux-gnu',
    onnxruntimeDir: 'linux/arm64',
    serialportPrebuilds: 'linux-arm64',
    elfMachine: 'aarch64',
  },
  'linux-x64': {
    platform: 'linux',
    arch: 'x64',
    tfliteLibDir: 'linux_amd64',
    cxx: 'g++',
    cxxPackage: 'g++',
    onnxruntimeDir: 'linux/x64',
    serialportPrebuilds: 'linux-x64',
    elfMachine: 'x86-64',
  },
};

function isDevicePlatform(name: string): name is DevicePlatform {
  return Object.hasOwn(DEVICE_PLATFORMS, name);
}

/** Parses a platform name (CLI boundary). */
export function parseDevicePlatform(name: string): DevicePlatform {
  if (isDevicePlatform(name)) return name;
  throw new RanasError('E_BAD_OPTION', `platform '${name}' is not one the device package is built for; expected one of ${Object.keys(DEVICE_PLATFORMS).join(', ')}`);
}
