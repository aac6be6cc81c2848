// What ltspcfg-ts last wrote, so that a hand edit since is told apart from a
// site.toml change. Kept in /var/lib/ltsp-ts/state.json on the configured system.
import { createHash } from 'node:crypto';
import type { SystemRoot } from './fsroot';

export const STATE_FILE = '/var/lib/ltsp-ts/state.json';
export const BACKUP_DIR = '/var/lib/ltsp-ts/backup';

interface FileRecord {
  target: string;
  /** sha256 of the file written (whole files) or of the block it owns (edits) */
  sha256: string;
  /** sha256 of the site.toml it was generated from */
  site: string;
}

export interface State {
  version: 1;
  files: Record<string, FileRecord>;
}

export const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

export function readState(sys: SystemRoot): State {
  const text = sys.readText(STATE_FILE);
  if (text === null) return { version: 1, files: {} };
  try {
    const parsed = JSON.parse(text) as State;
    if (parsed.version === 1 && typeof parsed.files === 'object') return parsed;
  } catch {
    // fall through: an unreadable state makes every existing file count as unmanaged, which is safe
  }
  return { version: 1, files: {} };
}

export function serializeState(state: State): string {
  const files = Object.fromEntries(Object.entries(state.files).sort(([a], [b]) => a.localeCompare(b)));
  return JSON.stringify({ version: 1, files }, null, 2) + '\n';
}
