// Golden files of lts.conf and the hosts block for every example site.
// UPDATE_GOLDEN=1 rewrites them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseSite } from '../../src/site/load';
import { ltsConf } from '../../src/targets/lts-conf';
import { hosts } from '../../src/targets/hosts';
import { REPO } from '../support/cli';

const examples = readdirSync(join(REPO, 'examples')).filter((f) => f.endsWith('.toml'));

for (const example of examples) {
  test(`golden lts.conf and hosts block: ${example}`, () => {
    const file = `examples/${example}`;
    const { site } = parseSite(readFileSync(join(REPO, file)), file);
    for (const item of [...ltsConf.plan(site, { gentoo: true }), ...hosts.plan(site, { gentoo: true })]) {
      const content = item.kind === 'file' ? item.content : item.kind === 'edit' ? item.edit('127.0.0.1\tlocalhost\n') : null;
      if (content === null) continue;
      const golden = join(REPO, 'tests/golden', basename(example, '.toml'), item.path);
      if (process.env.UPDATE_GOLDEN) {
        mkdirSync(dirname(golden), { recursive: true });
        writeFileSync(golden, content);
      }
      assert.equal(content, readFileSync(golden, 'utf8'), `${golden} (UPDATE_GOLDEN=1 rewrites it)`);
    }
  });
}
