// The short ways through reading a site (src/site/prescan.ts, validate.ts,
// ipv4.ts, the kept Site's JSON and the templates' join helper) give exactly
// what the long ways give: the same values, the same problems, the same text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import parseToml = require('@iarna/toml/parse-string');
import { MAX_LINE_CHARS, MAX_TABLE_KEYS, prescan } from '../../src/site/prescan';
import { checkAgainstSchema, checkSiteValues, checkString, plainlyFine, snakeValues } from '../../src/site/validate';
import { Reporter } from '../../src/site/reporter';
import { parseSite } from '../../src/site/load';
import { parseIPv4 } from '../../src/site/ipv4';
import { faithfulJson } from '../../src/system/site-cache';
import { render } from '../../src/targets/template';
import type { StringKind } from '../../src/site/schema';
import { REPO } from '../support/cli';
import { siteHead } from '../support/site';

const examples = readdirSync(join(REPO, 'examples')).map((f) => readFileSync(join(REPO, 'examples', f), 'utf8'));

test('prescan: a file without """ or \'\'\' is judged by its lines alone, as the character scan judges it', () => {
  const long = 'x'.repeat(MAX_LINE_CHARS + 1);
  const texts = [
    ...examples,
    `${examples[0]}# ${long}\n`,
    `${long}\n${examples[0]}`,
    `${examples[0]}${long}`,
    `a = "${'y'.repeat(MAX_LINE_CHARS)}"\n`,
    '',
    '\n\n',
    // the keys of one table against their cap: at the top level, in a table, at the cap, and
    // lines that are not keys (comments, blanks, an array's items, a table's brackets on their line)
    'k0 = 1\n'.repeat(MAX_TABLE_KEYS + 1),
    `${examples[0]}[lts.Default]\n${Array.from({ length: MAX_TABLE_KEYS + 1 }, (_, i) => `K${i} = "v" # [x]\n`).join('')}`,
    `[a]\n${Array.from({ length: MAX_TABLE_KEYS }, (_, i) => `  k${i} = ${i}\r\n`).join('')}# no key\n\n[b]\nk = 1\n`,
    `dns = [\n${'  "192.0.2.1", # [a]\n'.repeat(MAX_TABLE_KEYS + 5)}]\nt = { a = [1, [2]], b = "]" }\n${'k = 2\n'.repeat(MAX_TABLE_KEYS - 2)}`,
    `dns = [\n${'  "192.0.2.1",\n'.repeat(3)}]\n${'k = 2\n'.repeat(MAX_TABLE_KEYS)}`,
  ];
  for (const text of texts) {
    // a """ in a last comment changes nothing, but sends the text through the character scan
    assert.deepEqual(prescan(text), prescan(`${text}\n# """\n`));
  }
  assert.equal(prescan(`${examples[0]}# ${long}\n`)?.line, examples[0].split('\n').length);
  // each cap is reached, so the texts above compare problems too, not only nulls
  assert.equal(prescan(texts[texts.length - 5])?.line, MAX_TABLE_KEYS + 1);
  assert.equal(prescan(texts[texts.length - 4])?.key, 'lts.Default');
  assert.equal(prescan(texts[texts.length - 3]), null);
  assert.equal(prescan(texts[texts.length - 2]), null);
  assert.equal(prescan(texts[texts.length - 1])?.line, MAX_TABLE_KEYS + 5);
});

test('one walk: the camelCase values and their snake_case form are what the schema check alone gives, problems too', () => {
  const head = siteHead();
  const texts = [
    ...examples,
    `${head}[lts.Default]\nX = 1\n[lts.__proto__]\nY = "z"\n[lts.constructor]\nZ = true\n`,
    `${head}[dhcp]\nmode = "primary"\nrange = ["192.0.2.10", "192.0.2.20"]\ndefault_lease_time = 600\n[[group]]\nname = "A"\n[[group.host]]\nname = "ws1"\nmac = "00-60-08-5C-CB-BE"\ndhcp_port = 1067\n`,
    `${head}[tftp]\nroot = 5\ndata_ports = [1, 70000]\nrot = "/x"\n[[group]]\nhost = 3\n[[host]]\nname = "-x"\n[boot]\nkernel = "/a/../b"\n`,
    `${head}server = 1\n[nfs]\nswapfiles = "rel"\n[[image]]\nname = "a"\n`,
  ];
  for (const text of texts) {
    const parsed = parseToml(text) as Record<string, unknown>;
    const [a, b] = [new Reporter('s.toml', text), new Reporter('s.toml', text)];
    const snake = checkAgainstSchema(a, parsed);
    const camel = checkSiteValues(b, parsed);
    assert.deepEqual(b.problems, a.problems);
    if (a.problems.length === 0) {
      assert.deepStrictEqual(snakeValues(camel), snake);
      assert.equal(JSON.stringify(snakeValues(camel)), JSON.stringify(snake), 'the same keys in the same order');
    }
  }
  // what get reads is made once, so that what a caller changes in it stays
  const loaded = parseSite(examples[0], 's.toml');
  assert.equal(loaded.values, loaded.values);
});

test('a string that is plainly fine comes back as checkString would normalise it; anything else is left to checkString', () => {
  const values = ['ws101', 'WS-1', '-x', 'a'.repeat(64), '192.168.0.254', '192.168.000.1', '1.2.3', '0.0.0.0', '00:60:08:5c:cb:be', '00:60:08:5C:CB:BE',
    '01:00:00:00:00:01', '00:00:00:00:00:00', 'ff:ff:ff:ff:ff:ff', 'e1000', '.x', 'a"b', 'a;b', '', ' x'];
  const kinds: StringKind[] = ['label', 'ipv4', 'mac', 'word', 'path', 'text'];
  for (const kind of kinds) {
    for (const value of values) {
      const plain = plainlyFine(kind, value);
      if (plain === undefined) continue;
      assert.deepEqual(checkString(kind, value), { value: plain }, `${kind} ${value}`);
    }
  }
  assert.equal(plainlyFine('mac', '00:60:08:5c:cb:be'), '00:60:08:5c:cb:be');
  assert.equal(plainlyFine('ipv4', '10.0.0.1'), '10.0.0.1');
});

test('parseIPv4 reads dotted quads as the regular expression did: no leading zeros, parts up to 255', () => {
  const byRegex = (text: string): number | null => {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
    if (!m) return null;
    const parts = m.slice(1);
    if (parts.some((p) => (p.length > 1 && p.startsWith('0')) || Number(p) > 255)) return null;
    return parts.reduce((n, p) => n * 256 + Number(p), 0);
  };
  const cases = ['0.0.0.0', '255.255.255.255', '256.1.1.1', '1.2.3.4', '01.2.3.4', '1.2.3.04', '1.2.3.0', '1.2.3', '1.2.3.4.5', '1..3.4', '.1.2.3',
    '1.2.3.', '1234.1.1.1', ' 1.2.3.4', '1.2.3.4\n', '1.2.3.a', '', '10.20.7.252', '192.168.0.254', '٣.1.1.1', '00.1.1.1', '100.200.250.199'];
  for (const c of cases) assert.equal(parseIPv4(c), byRegex(c), JSON.stringify(c));
});

test('the kept Site is JSON only when JSON gives it back', () => {
  assert.equal(faithfulJson({ a: 'x', b: [1, true, null], c: { d: undefined } }), '{"a":"x","b":[1,true,null],"c":{}}');
  assert.equal(faithfulJson(Object.assign(Object.create(null) as object, { k: 'v' })), '{"k":"v"}');
  for (const bad of [{ n: Infinity }, { n: NaN }, { a: [1, undefined] }, { f: () => 1 }, { d: new Date(0) }, { m: new Map() }, { b: 1n }, [Symbol('s')]])
    assert.equal(faithfulJson(bad), null);
});

test('{{#join LIST SEPARATOR}} writes its block for each item, the separator between them', () => {
  const template = '[{{#join xs ", "}}<{{this}}>{{/join}}] [{{#each ys}}{{#join ../xs "+"}}{{this}}{{/join}};{{/each}}]';
  assert.equal(render(template, { xs: ['a', 'b', 'c'], ys: [1, 2] }), '[<a>, <b>, <c>] [a+b+c;a+b+c;]');
  assert.equal(render(template, { xs: [], ys: [] }), '[] []');
  assert.throws(() => render('{{#join xs}}{{/join}}', { xs: [] }), /join/);
});
