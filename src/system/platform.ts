// What kind of system is being configured, read from the files under --root.
import type { Platform } from '../targets/types';
import type { SystemRoot } from './fsroot';

export function detectPlatform(sys: SystemRoot, forceGentoo: boolean): Platform {
  return { gentoo: forceGentoo || sys.exists('/etc/gentoo-release') };
}
