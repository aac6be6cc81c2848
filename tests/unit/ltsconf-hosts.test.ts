// Golden files of lts.conf and the hosts block for every example site.
// tests/support/golden.ts says how to update them.
import { test } from 'node:test';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseSite } from '../../src/site/load';
import { ltsConf } from '../../src/targets/lts-conf';
import { hosts } from '../../src/targets/hosts';
import { REPO } from '../support/cli';
import { golden } from '../support/golden';

const examples = readdirSync(join(REPO, 'examples')).filter((f) => f.endsWith('.toml'));

for (const example of examples) {
  test(`golden lts.conf and hosts block: ${example}`, () => {
    const file = `examples/${example}`;
    const { site } = parseSite(readFileSync(join(REPO, file)), file);
    for (const item of [...ltsConf.plan(site, { gentoo: true }), ...hosts.plan(site, { gentoo: true })]) {
      const content = item.kind === 'file' ? item.content : item.kind === 'edit' ? item.edit('127.0.0.1\tlocalhost\n') : null;
      if (content === null) continue;
      golden(basename(example, '.toml'), item.path, content);
    }
  });
}
