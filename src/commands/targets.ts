// targets: every target, one per line: name and summary.
import { targets } from '../targets';

export function runTargets(): number {
  for (const t of targets) process.stdout.write(`${t.name}\t${t.summary}\n`);
  return 0;
}
