// Golden files: tests/golden/<example>/<path on the system>. UPDATE_GOLDEN=1 rewrites them.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseSite } from '../../src/site/load';
import type { Site } from '../../src/site/types';
import { REPO } from './cli';

/** every examples/*.toml, parsed */
export function examples(): { name: string; site: Site }[] {
  return readdirSync(join(REPO, 'examples'))
    .filter((f) => f.endsWith('.toml'))
    .sort()
    .map((f) => {
      const file = `examples/${f}`;
      return { name: basename(f, '.toml'), site: parseSite(readFileSync(join(REPO, file)), file).site };
    });
}

export function fixture(name: string): string {
  return readFileSync(join(REPO, 'tests/fixtures/system', name), 'utf8');
}

export function golden(example: string, path: string, content: string): void {
  const file = join(REPO, 'tests/golden', example, path);
  if (process.env.UPDATE_GOLDEN) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  let expected: string;
  try {
    expected = readFileSync(file, 'utf8');
  } catch {
    assert.fail(`${file} is missing (UPDATE_GOLDEN=1 writes it)`);
  }
  assert.equal(content, expected, `${file} (UPDATE_GOLDEN=1 rewrites it)`);
}
