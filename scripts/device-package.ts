/**
 * Builds the slim device package for each platform asked (default: linux-arm64 and linux-x64) into
 * build/ (or --out DIR):
 *   node --import tsx scripts/device-package.ts [--platform linux-arm64] [--out build]
 */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/package-root.ts';
import { buildDevicePackage, describe } from '../device/package/build-device-package.ts';
import { parseDevicePlatform } from '../device/package/device-platforms.ts';

const { values } = parseArgs({ options: { platform: { type: 'string', multiple: true }, out: { type: 'string' } } });
const platforms = (values.platform ?? ['linux-arm64', 'linux-x64']).map(parseDevicePlatform);
const out = values.out ?? join(PACKAGE_ROOT, 'build');
for (const p of platforms) console.log(describe(buildDevicePackage(p, out)));
