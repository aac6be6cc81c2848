// The default action in one pass: site.toml read once, every target planned
// once, apply carrying out the plan status showed; and the same output, exit
// code and files as `status` then `apply` run one after the other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs, { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { makeContext } from '../../src/commands/context';
import { runConfigure } from '../../src/commands/configure';
import { runStatus } from '../../src/commands/status';
import { runApply } from '../../src/commands/apply';
import type { Out } from '../../src/commands/output';
import { targets } from '../../src/targets';
import { REPO, scratch } from '../support/cli';

function capture(): Out & { text: () => string } {
  const lines: string[] = [];
  return {
    color: false,
    tty: false,
    line: (t = '') => lines.push(t),
    error: (t) => lines.push(`stderr: ${t}`),
    paint: (_s, t) => t,
    text: () => lines.join('\n'),
  };
}

/** Paths, modes and contents under dir (not mtimes: two runs never share those). */
function files(dir: string, base = dir): string[] {
  return readdirSync(dir).sort().flatMap((n) => {
    const p = join(dir, n);
    const st = statSync(p);
    const rel = p.slice(base.length);
    if (st.isDirectory()) return [`${rel}/ ${st.mode.toString(8)}`, ...files(p, base)];
    const body = rel.endsWith('state.json') ? readFileSync(p, 'utf8') : readFileSync(p).toString('base64');
    return [`${rel} ${st.mode.toString(8)} ${body}`];
  });
}

for (const example of ['wiki-sample', 'proxy', 'primary']) {
  test(`one pass (${example}): site read once, each target planned once, same output and files as status then apply`, async () => {
    const config = join(REPO, `examples/${example}.toml`);
    const counts = new Map<string, number>();
    const plans = targets.map((t) => t.plan);
    targets.forEach((t, i) => {
      t.plan = (...a) => {
        counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
        return plans[i](...a);
      };
    });
    const read = fs.readFileSync;
    let reads = 0;
    fs.readFileSync = ((p: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
      if (p === config) reads++;
      return (read as (...x: unknown[]) => unknown)(p, ...rest);
    }) as typeof fs.readFileSync;
    try {
      const one = scratch('ltspcfg-onepass-');
      const out = capture();
      const code = await runConfigure(makeContext({ root: one, config, yes: true }), out, { force: false });
      assert.equal(reads, 1, 'site.toml read once');
      for (const t of targets) assert.equal(counts.get(t.name), 1, `${t.name} planned once`);

      // the same, the way it was done before: status, then apply, each from the start
      const two = scratch('ltspcfg-twopass-');
      const ref = capture();
      const statusCode = runStatus(makeContext({ root: two, config, yes: true }), ref, false);
      ref.line();
      const applyCode = await runApply(makeContext({ root: two, config, yes: true }), ref, {});
      const after = capture();
      const remaining = runStatus(makeContext({ root: two, config, yes: true }), after, false);
      const expected = statusCode === 0 || applyCode !== 0 ? Math.max(statusCode, applyCode) : remaining;
      const same = (o: { text: () => string }, root: string) => o.text().split(root).join('ROOT');
      assert.equal(same(out, one), same(ref, two));
      assert.equal(code, expected);
      assert.deepEqual(files(one), files(two));

      // and the second run, with nothing to do
      const again = capture();
      const code2 = await runConfigure(makeContext({ root: one, config, yes: true }), again, { force: false });
      const ref2 = capture();
      const s2 = runStatus(makeContext({ root: two, config, yes: true }), ref2, false);
      ref2.line();
      const a2 = await runApply(makeContext({ root: two, config, yes: true }), ref2, {});
      assert.equal(same(again, one), same(ref2, two));
      assert.equal(code2, Math.max(s2, a2));
    } finally {
      fs.readFileSync = read;
      targets.forEach((t, i) => (t.plan = plans[i]));
    }
  });
}
