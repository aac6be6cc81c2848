// Where apply is about to write, asked before the first write: every directory
// on the way must be a directory or missing (apply makes it), and on a staged
// system (--root) it must lead to a place inside the root. A symbolic link in a
// staged tree is resolved on this machine: /etc/dhcp -> /etc there would put
// the staged system's files into this machine's /etc.
import { lstatSync, readlinkSync, realpathSync, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import type { SystemRoot } from './fsroot';
import { fileTypeOf } from './sitefile';
import { errnoWords } from './errno';

export class Destinations {
  /** directory on this machine -> why apply cannot write in it (null: it can), asked once a run */
  private readonly answers = new Map<string, string | null>();
  private realRoot: string | undefined;

  constructor(private readonly sys: SystemRoot) {}

  /** Why apply cannot write the file p (a path on the configured system), or null. */
  fileProblem(p: string): string | null {
    return this.directoryProblem(dirname(this.sys.path(p)));
  }

  /** Why apply cannot make or use the directory p (a path on the configured system), or null. */
  directoryAtProblem(p: string): string | null {
    return this.directoryProblem(this.sys.path(p));
  }

  private directoryProblem(dir: string): string | null {
    let why = this.answers.get(dir);
    if (why === undefined) {
      why = this.examine(dir);
      this.answers.set(dir, why);
    }
    return why;
  }

  private examine(dir: string): string | null {
    let st: Stats;
    try {
      st = lstatSync(dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      // missing: apply makes it, so its parent is what counts
      if (code === 'ENOENT' || code === 'ENOTDIR') return dirname(dir) === dir ? null : this.directoryProblem(dirname(dir));
      return `cannot reach ${dir}: ${errnoWords(e)}; expected a directory ltspcfg-ts can write in`;
    }
    if (st.isSymbolicLink()) {
      let to: string;
      try {
        to = readlinkSync(dir);
      } catch {
        to = '?';
      }
      let target: Stats | undefined;
      try {
        target = statSync(dir);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? '';
        const why = code === 'ENOENT' ? 'which does not exist' : errnoWords(e);
        return `${dir} is a symbolic link to ${to}, ${why}; expected a directory (or nothing: apply makes it)`;
      }
      if (!target.isDirectory()) return `${dir} is a symbolic link to ${to}, ${fileTypeOf(target)}; expected a directory`;
    } else if (!st.isDirectory()) {
      return `${dir} is ${fileTypeOf(st)}, not a directory; expected a directory (move the file aside)`;
    }
    if (this.sys.root === '/') return null;
    let real: string;
    try {
      this.realRoot ??= realpathSync.native(this.sys.root);
      real = realpathSync.native(dir);
    } catch (e) {
      return `cannot resolve ${dir}: ${(e as Error).message}; expected a directory inside --root ${this.sys.root}`;
    }
    const root = this.realRoot;
    if (real === root || real.startsWith(root === '/' ? '/' : `${root}/`)) return null;
    // the link that leads out is named once, not every directory below it
    const up = dirname(dir);
    const above = up !== dir && up.startsWith(`${this.sys.root}/`) ? this.directoryProblem(up) : null;
    if (above) return above;
    return `${dir} leads to ${real}, outside --root ${this.sys.root}; expected a directory inside the staged system (a symbolic link in it is followed on this machine)`;
  }
}
