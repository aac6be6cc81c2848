// What ltspcfg-ts last wrote, so that a hand edit since is told apart from a
// site.toml change. Kept in /var/lib/ltsp-ts/state.json on the configured system.
import type { SystemRoot } from './fsroot';
import { Problem } from '../errors';
import { readRegularFile, SiteFileError } from './sitefile';

export const STATE_FILE = '/var/lib/ltsp-ts/state.json';
export const BACKUP_DIR = '/var/lib/ltsp-ts/backup';
/** about 250 bytes a file: room for far more than 20,000 hosts */
const MAX_STATE_BYTES = 64 * 1024 * 1024;

interface FileRecord {
  target: string;
  /** sha256 of the file written (whole files) or of the block it owns (edits) */
  sha256: string;
  /** sha256 of the site.toml it was generated from */
  site: string;
  /** file and copy: the whole file is ours; edit: only a block in another package's file */
  kind?: 'file' | 'edit' | 'copy';
}

export interface State {
  version: 1;
  files: Record<string, FileRecord>;
}


/** state.json cannot be used: exit 1, one line naming it; nothing is written. */
export class StateError extends Problem {
  constructor(readonly path: string, why: string) {
    super(`${path} is damaged (${why}); nothing was written. Move it aside to start afresh: ltspcfg-ts then treats every existing file as not written by it (replaced only with --force)`);
  }
}

const SHA = /^[0-9a-f]{64}$/;
const KINDS = new Set(['file', 'edit', 'copy']);

/** Why a parsed state is unusable, or null. Paths must be absolute and plain: state.json names files apply may remove. */
function damage(parsed: unknown): string | null {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'not a JSON object';
  const { version, files } = parsed as Record<string, unknown>;
  if (version !== 1) return `version ${JSON.stringify(version) ?? 'missing'}, expected 1`;
  if (typeof files !== 'object' || files === null || Array.isArray(files)) return '"files" is not an object';
  for (const [path, r] of Object.entries(files)) {
    if (!path.startsWith('/') || path.split('/').includes('..') || /[\x00-\x1f]/.test(path)) return `the entry ${JSON.stringify(path)} is not an absolute path`;
    if (typeof r !== 'object' || r === null) return `the entry for ${path} is not an object`;
    const rec = r as Record<string, unknown>;
    if (typeof rec.target !== 'string' || typeof rec.sha256 !== 'string' || !SHA.test(rec.sha256) || typeof rec.site !== 'string' || (rec.kind !== undefined && !KINDS.has(rec.kind as string)))
      return `the entry for ${path} lacks a target, sha256 or site`;
  }
  return null;
}

export function readState(sys: SystemRoot): State {
  const where = sys.path(STATE_FILE);
  let text: string;
  try {
    text = readRegularFile(where, MAX_STATE_BYTES).toString('utf8');
  } catch (e) {
    if (e instanceof SiteFileError && e.code === 'ENOENT') return { version: 1, files: {} };
    // unreadable is not damaged: moving it aside would lose what ltspcfg-ts wrote
    if (e instanceof SiteFileError && e.code === 'EACCES')
      throw new Problem(`cannot read ${where}: permission denied; expected the state file of ltspcfg-ts, readable by this user (run ltspcfg-ts as root); nothing was written`);
    throw new StateError(where, (e as Error).message);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new StateError(where, `not JSON: ${(e as Error).message}`);
  }
  const why = damage(parsed);
  if (why) throw new StateError(where, why);
  const state = parsed as State;
  // own keys only from here on: a path named "__proto__" or "constructor" is just a path
  return { version: 1, files: Object.assign(Object.create(null) as State['files'], state.files) };
}

/**
 * state.json's text: files sorted by path, in code-unit order (the same bytes
 * wherever it runs; localeCompare's collator, made at the first comparison,
 * cost an apply of two files ~9 ms).
 */
export function serializeState(state: State): string {
  const files = Object.fromEntries(Object.entries(state.files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return JSON.stringify({ version: 1, files }, null, 2) + '\n';
}
