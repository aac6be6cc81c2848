// ltspcfg-ts as the ebuild installs it in /usr/lib/ltsp-ts: the two bundles, the
// launch module, and their launcher with node's own path on its #! line (src_prepare), so a
// benchmark times what a Gentoo admin runs, not /usr/bin/env's PATH search.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Installs dist/ from the repository at `repo` into `lib` (an existing directory); returns the launcher's path. */
export function installLikeEbuild(repo, lib) {
  for (const f of ['ltspcfg-ts.bundle.js', 'ltspcfg-ts.get.js', 'ltspcfg-ts.launch.js']) copyFileSync(join(repo, 'dist', f), join(lib, f));
  const launcher = readFileSync(join(repo, 'dist/ltspcfg-ts.js'), 'utf8');
  const shebang = /^#!\/usr\/bin\/env (?:-S )?node( [^ \n]+)?\n/.exec(launcher);
  if (!shebang) throw new Error('dist/ltspcfg-ts.js: unexpected #! line; update bench/installed.mjs and the ebuild');
  const cli = join(lib, 'ltspcfg-ts.js');
  writeFileSync(cli, `#!${process.execPath}${shebang[1] ?? ''}\n${launcher.slice(shebang[0].length)}`, { mode: 0o755 });
  return cli;
}
