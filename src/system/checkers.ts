// Runs the real program that must accept a generated file (dhcpd -t, dnsmasq --test...).
import { accessSync, closeSync, constants, mkdtempSync, openSync, readFileSync, rmdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, isAbsolute, join } from 'node:path';
import type { Checker } from '../targets/types';

export type CheckOutcome =
  | { result: 'accepted'; label: string }
  | { result: 'refused'; label: string; output: string }
  | { result: 'skipped'; label: string; why: string };

const SBIN = ['/usr/sbin', '/sbin', '/usr/bin', '/bin'];

/** An executable regular file (following symlinks), as `which` takes it. A missing one (most of PATH) throws nothing. */
function isExecutable(path: string): boolean {
  try {
    if (!statSync(path, { throwIfNoEntry: false })?.isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * PATH first, then the sbin directories a non-root PATH lacks. A walk over a
 * few directories: loading a shell library for it cost an apply of one file
 * about a tenth of its time.
 */
export function findProgram(name: string): string | null {
  if (name.includes('/')) return isExecutable(name) ? name : null;
  const path = (process.env.PATH ?? '').split(delimiter).filter((d) => isAbsolute(d));
  for (const dir of [...path, ...SBIN]) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

/** A checker's program and its scratch copy of the file, ready to run; or the outcome when it cannot run here. */
type Prepared = { program: string; args: string[]; dir: string; file: string } | { skipped: CheckOutcome };

/** Finds the checker's program and writes `content` to a private scratch directory under the file's own name. */
function prepare(checker: Checker, path: string, content: Buffer): Prepared {
  const program = findProgram(checker.program);
  if (!program) return { skipped: { result: 'skipped', label: checker.label, why: `${checker.program} is not installed` } };
  if (checker.requires && !findProgram(checker.requires)) return { skipped: { result: 'skipped', label: checker.label, why: `${checker.requires} is not installed` } };
  const dir = mkdtempSync(join(tmpdir(), 'ltspcfg-check-'));
  const file = join(dir, basename(path));
  try {
    writeFileSync(file, content);
  } catch (e) {
    removeScratch(dir, [file]);
    throw e;
  }
  return { program, args: checker.args.map((a) => a.split('{}').join(file)), dir, file };
}

/** The verdict from how the checker ended: its exit status, what it printed (stdout, then stderr) or why it could not run. */
function verdict(checker: Checker, path: string, file: string, status: number | null, output: () => string, error?: Error): CheckOutcome {
  if (error) return { result: 'refused', label: checker.label, output: error.message };
  if (status === 0) return { result: 'accepted', label: checker.label };
  return { result: 'refused', label: checker.label, output: output().split(file).join(path).trim() };
}

const TIMEOUT_MS = 60_000;

/** Runs the checker on `content` (to be written at `path`) and waits for its verdict. */
export function runChecker(checker: Checker, path: string, content: Buffer): CheckOutcome {
  const ready = prepare(checker, path, content);
  if ('skipped' in ready) return ready.skipped;
  try {
    // loaded here: child_process brings node's streams and sockets, which apply --no-check never needs
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
    const r = spawnSync(ready.program, ready.args, { encoding: 'utf8', timeout: TIMEOUT_MS, cwd: ready.dir });
    return verdict(checker, path, ready.file, r.status, () => `${r.stdout}${r.stderr}`, r.error);
  } finally {
    removeScratch(ready.dir, [ready.file]);
  }
}

/**
 * Starts the checker on `content` (to be written at `path`) and returns at once: apply finishes
 * and shows its plan meanwhile, and writes nothing before the verdict. The outcome is known at
 * once when the checker cannot run here (skipped). What the checker prints goes to two files
 * beside the scratch copy, read only when it refuses: no pipes (nor node's sockets) to watch.
 */
export function startChecker(checker: Checker, path: string, content: Buffer): CheckOutcome | Promise<CheckOutcome> {
  const ready = prepare(checker, path, content);
  if ('skipped' in ready) return ready.skipped;
  const out = join(ready.dir, '.stdout');
  const err = join(ready.dir, '.stderr');
  const scratch = [ready.file, out, err];
  let fds: number[] = [];
  try {
    fds = [openSync(out, 'wx', 0o600), openSync(err, 'wx', 0o600)];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { spawn } = require('node:child_process') as typeof import('node:child_process');
    const child = spawn(ready.program, ready.args, { cwd: ready.dir, stdio: ['ignore', fds[0], fds[1]], timeout: TIMEOUT_MS });
    return new Promise<CheckOutcome>((resolve) => {
      let failed: Error | undefined;
      let settled = false;
      const printed = () => `${readFileSync(out, 'utf8')}${readFileSync(err, 'utf8')}`;
      const settle = (status: number | null, signal: NodeJS.Signals | null) => {
        if (settled) return;
        settled = true;
        const timedOut = signal !== null && child.killed && !failed ? new Error(`${checker.label} did not finish within ${TIMEOUT_MS / 1000} s`) : undefined;
        try {
          resolve(verdict(checker, path, ready.file, status, printed, failed ?? timedOut));
        } catch (e) {
          resolve({ result: 'refused', label: checker.label, output: (e as Error).message });
        } finally {
          removeScratch(ready.dir, scratch);
        }
      };
      child.once('error', (e) => {
        // not started (or not killed): 'close' does not always follow
        failed = e;
        if (child.pid === undefined) settle(null, null);
      });
      child.once('close', settle);
    });
  } catch (e) {
    removeScratch(ready.dir, scratch);
    throw e;
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

/** Removes a checker's scratch directory: its files, then the directory (a recursive rm, which loads more of node, only when the checker left more there). */
function removeScratch(dir: string, files: string[]): void {
  try {
    for (const f of files) {
      try {
        unlinkSync(f);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
    rmdirSync(dir);
  } catch {
    rmSync(dir, { recursive: true, force: true });
  }
}
