// A plain `apply` command line runs without commander (src/commands/apply-line.ts,
// src/main.ts): the same output, exit code and files as through commander's
// program, which a line ending in `--` still takes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { plainApply } from '../../src/commands/apply-line';
import { REPO, ltspcfg, scratch, type Run } from '../support/cli';

const STAMP = 'var/lib/ltsp-ts/stamp.json';

/** Every path under dir with its type, mode, owner and content (the stamp's presence only: it records inodes and times). */
function contents(dir: string, d = dir): string[] {
  return readdirSync(d).sort().flatMap((name) => {
    const p = join(d, name);
    const rel = p.slice(dir.length + 1);
    const st = lstatSync(p);
    const head = `${rel} ${st.mode.toString(8)} ${st.uid}:${st.gid}`;
    if (st.isDirectory()) return [head, ...contents(dir, p)];
    return [`${head} ${rel === STAMP ? 'stamp' : readFileSync(p, 'utf8').split(dir).join('ROOT')}`];
  });
}

test('plain apply lines are told apart from those commander must answer', () => {
  assert.deepEqual(plainApply(['--root', '/r', 'apply', '--yes', '--only', 'dnsmasq', '--no-check']), {
    opts: { root: '/r', yes: true }, words: [], own: { only: 'dnsmasq', check: false },
  });
  assert.deepEqual(plainApply(['apply', '--only=exports', '--diff', '--force', '-n', '--no-color'])?.own, { only: 'exports', diff: true, force: true });
  for (const line of [['apply', '--help'], ['apply', 'extra'], ['--force', 'apply'], ['apply', '--only'], ['apply', '--'], ['status'], ['apply', '-yn'], []]) {
    assert.equal(plainApply(line), null, line.join(' '));
  }
});

/** Runs `args` on a fresh copy of the staged root made by `stage`, as a plain line and through commander (`--` at the end). */
function bothWays(stage: (root: string, site: string) => void, args: string[]): [Run, Run, string[], string[]] {
  const root = scratch('ltspcfg-apply-line-');
  const site = join(root, 'site.toml');
  const runs: Run[] = [];
  const trees: string[][] = [];
  try {
    for (const tail of [[], ['--']]) {
      rmSync(root, { recursive: true, force: true });
      stage(root, site);
      const line = ['--gentoo', '--root', root, '--config', site, ...args, ...tail];
      assert.notEqual(plainApply(line) === null, tail.length === 0, 'the plain line is plain, the other not');
      const r = ltspcfg(line);
      runs.push({ code: r.code, stdout: r.stdout.split(root).join('ROOT'), stderr: r.stderr.split(root).join('ROOT') });
      trees.push(contents(root));
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return [runs[0], runs[1], trees[0], trees[1]];
}

const from = (example: string) => (root: string, site: string) => {
  mkdirSync(root, { recursive: true });
  copyFileSync(join(REPO, 'examples', example), site);
};
const sample = from('wiki-sample.toml');
const applied = (extra: (root: string, site: string) => void = () => {}) => (root: string, site: string) => {
  sample(root, site);
  assert.equal(ltspcfg(['--gentoo', '--root', root, '--config', site, 'apply', '--yes']).code, 0);
  extra(root, site);
};

test('a plain apply says and does what commander\'s program does: writes, nothing to do, refusals, errors', () => {
  const handEdited = applied((root) => writeFileSync(join(root, 'opt/ltsp/i386/etc/lts.conf'), 'edited by hand\n'));
  const cases: [string, (root: string, site: string) => void, string[], number][] = [
    ['first write', sample, ['apply', '--yes', '--only', 'dhcpd,exports'], 0],
    ['first write, dnsmasq --test', from('proxy.toml'), ['apply', '--yes', '--only', 'dnsmasq'], 0],
    ['dry run, dnsmasq --test', from('proxy.toml'), ['apply', '--dry-run', '--only', 'dnsmasq,dhcpd'], 0],
    ['no check, no colour, -y', sample, ['apply', '-y', '--no-check', '--no-color', '--only=pxelinux'], 0],
    ['every target', sample, ['apply', '--yes'], 0],
    ['nothing to do (the stamp)', applied(), ['apply', '--yes'], 0],
    ['dry run', sample, ['apply', '--dry-run', '--only', 'lts.conf'], 0],
    ['no terminal to confirm', sample, ['apply', '--only', 'lts.conf'], 1],
    ['hand edit refused', handEdited, ['apply', '--yes', '--diff'], 1],
    ['hand edit forced', handEdited, ['apply', '--yes', '--force', '--only', 'lts.conf'], 0],
    ['unknown target', sample, ['apply', '--yes', '--only', 'dnsmasq,nosuch'], 2],
    ['bad site.toml', (root, site) => { sample(root, site); writeFileSync(site, readFileSync(site, 'utf8').replace(/^subnet *= *"[^"]*"/m, 'subnet = "10.0.0.0/33"')); }, ['apply', '--yes'], 2],
  ];
  for (const [name, stage, args, code] of cases) {
    const [plain, commander, plainTree, commanderTree] = bothWays(stage, args);
    assert.equal(plain.code, code, `${name}: ${plain.stderr}`);
    assert.deepEqual(plain, commander, name);
    assert.deepEqual(plainTree, commanderTree, `${name}: the same files`);
  }
});
