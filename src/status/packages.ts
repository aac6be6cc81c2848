// Packages: is each one the site needs installed, with the USE flags it needs?
import type { Health, Step, SystemFacts } from './types';

export interface PackageNeed {
  /** "category/package" */
  atom: string;
  /** USE flags it must have been built with, e.g. dhcp's "server" */
  use?: string[];
}

export interface PackageCheck {
  atom: string;
  /** the installed category/package-version, null when not installed */
  installed: string | null;
  /** required USE flags the installed version lacks */
  missingUse: string[];
  health: Health;
  steps: Step[];
}

/** Packages the site needs that come with no service. */
interface PlainPackageNeed extends PackageNeed {
  role: string;
}

const PACKAGE_USE_FILE = '/etc/portage/package.use/ltsp-ts';

export function installStep(atoms: string[]): Step {
  return { phase: 'install', command: `emerge --ask ${atoms.join(' ')}`, atoms };
}

export function checkPackage(need: PackageNeed, facts: SystemFacts): PackageCheck {
  const versions = facts.packages[need.atom] ?? [];
  if (versions.length === 0) return { atom: need.atom, installed: null, missingUse: [], health: 'problem', steps: [installStep([need.atom])] };
  // several slots: the newest (last in vdb order) decides; any one with the flags will do
  const withFlags = versions.find((v) => v.use === null || (need.use ?? []).every((u) => v.use!.includes(u)));
  const chosen = withFlags ?? versions[versions.length - 1];
  const missingUse = withFlags ? [] : (need.use ?? []).filter((u) => !(chosen.use ?? []).includes(u));
  if (missingUse.length === 0) return { atom: need.atom, installed: chosen.cpv, missingUse, health: 'ok', steps: [] };
  return {
    atom: need.atom,
    installed: chosen.cpv,
    missingUse,
    health: 'problem',
    steps: [{ phase: 'install', command: `echo '${need.atom} ${missingUse.join(' ')}' >> ${PACKAGE_USE_FILE} && emerge --ask --changed-use ${need.atom}` }],
  };
}

/** The packages a thin-client server needs besides its services. */
export function requiredPackages(): PlainPackageNeed[] {
  return [{ atom: 'sys-boot/syslinux', role: 'PXE bootloader: pxelinux.0 and its menu modules' }];
}

export interface PlainPackageStatus extends PackageCheck {
  role: string;
  state: string;
  next: string;
}

export function checkPlainPackages(needs: PlainPackageNeed[], facts: SystemFacts): PlainPackageStatus[] {
  return needs.map((n) => {
    const c = checkPackage(n, facts);
    const state = c.installed === null ? 'missing' : c.missingUse.length ? 'wrong USE' : 'installed';
    return { ...c, role: n.role, state, next: c.steps[0]?.command ?? 'nothing to do' };
  });
}
