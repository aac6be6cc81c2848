// Every target, in the order apply plans and prints them. Adding a generated
// file family means adding its module here and nothing else.
import type { Target } from './types';
import { ltsConf } from './lts-conf';
import { hosts } from './hosts';

export const targets: Target[] = [ltsConf, hosts];

export function findTarget(name: string): Target | undefined {
  return targets.find((t) => t.name === name);
}
