// Unified diffs for the plan and for refused hand edits, through diff(1) from
// diffutils, which every Gentoo and Debian system has.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function unifiedDiff(path: string, before: Buffer | null, after: Buffer | null): string {
  const dir = mkdtempSync(join(tmpdir(), 'ltspcfg-diff-'));
  try {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    writeFileSync(a, before ?? '');
    writeFileSync(b, after ?? '');
    // loaded when a diff is shown: child_process brings node's streams and sockets
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
    const r = spawnSync('diff', ['-u', '--label', before ? `${path} (on disk)` : '/dev/null', '--label', after ? `${path} (planned)` : '/dev/null', a, b], { encoding: 'utf8' });
    if (r.error) return `(diff(1) is not available: ${r.error.message})\n`;
    return r.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
