// The whole status report, from what src/system read: pure, so tests can feed it.
import type { Site } from '../site/types';
import type { FileStatus } from '../system/inspect';
import type { TreeCheck } from '../system/treecheck';
import { checkFiles, type FileRow } from './files';
import { checkArchitectures, type ArchStatus } from './architectures';
import { checkInterfaces, type InterfaceStatus } from './interfaces';
import { checkPlainPackages, requiredPackages, type PlainPackageStatus } from './packages';
import { checkService, requiredServices, type ServiceStatus } from './services';
import { PHASES, type Step, type SystemFacts } from './types';

export interface Report {
  interfaces: InterfaceStatus[];
  services: ServiceStatus[];
  packages: PlainPackageStatus[];
  files: FileRow[];
  /** the client architectures and their loaders (their missing files are counted among the files) */
  architectures: ArchStatus[];
  notes: { target: string; text: string }[];
  /** every command, in the order to run them: edits, emerge, apply, rc-update, rc-service */
  plan: string[];
  /** lines with health "problem": exit 1 when not zero */
  problems: number;
}

/** Orders the steps by phase, merges every plain emerge into one, drops repeats. */
export function planSteps(steps: Step[]): string[] {
  const plan: string[] = [];
  for (const phase of PHASES) {
    const here = steps.filter((s) => s.phase === phase);
    const atoms = [...new Set(here.flatMap((s) => s.atoms ?? []))];
    if (atoms.length) plan.push(`emerge --ask ${atoms.join(' ')}`);
    for (const s of here) if (!s.atoms && !plan.includes(s.command)) plan.push(s.command);
  }
  // apply refuses every write while a hand edit is unresolved: after --diff, --force does the rest;
  // and a whole apply does what an apply --only would
  return plan.filter((c) => {
    if (c.endsWith(' apply') && plan.includes(`${c} --force`)) return false;
    const only = / apply --only \S+$/.exec(c);
    if (only) {
      const whole = c.slice(0, only.index) + ' apply';
      if (plan.includes(whole) || plan.includes(`${whole} --force`)) return false;
    }
    return true;
  });
}

export function buildReport(site: Site, facts: SystemFacts, files: FileStatus[], notes: Report['notes'], cli: string, trees: Record<string, TreeCheck | null> = {}): Report {
  const interfaces = checkInterfaces(site, facts);
  const services = requiredServices(site, facts).map((n) => checkService(n, facts));
  const packages = checkPlainPackages(requiredPackages(), facts);
  const fileRows = checkFiles(files, cli, trees);
  const lines = [...interfaces, ...services, ...packages, ...fileRows];
  const problems = lines.filter((l) => l.health === 'problem').length;
  // unknowns (a staged root's interface) contribute their advice but are no problem
  const plan = planSteps(lines.flatMap((l) => l.steps));
  return { interfaces, services, packages, files: fileRows, architectures: checkArchitectures(site, files), notes, plan, problems };
}
