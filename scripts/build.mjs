// Bundles the CLI into one dependency-free file, dist/ltspcfg-ts.bundle.js, the
// services' `get KEY` into a small one, dist/ltspcfg-ts.get.js (src/get-main.ts:
// the same site modules, nothing else), and their launcher dist/ltspcfg-ts.js
// (src/launcher.ts: prints kept answers, else loads dist/ltspcfg-ts.launch.js,
// src/launch.ts, which runs a bundle through a V8 code cache), which the release
// tarball and the ebuild ship. Templates are precompiled here.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { chmodSync, readFileSync } from 'node:fs';
import Handlebars from 'handlebars';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url)));

// commander loads child_process (and with it net, stream, dgram) at start-up for
// executable subcommands, which ltspcfg-ts does not have: load it on first use.
const commanderLazyChildProcess = {
  name: 'commander-lazy-child-process',
  setup(b) {
    b.onLoad({ filter: /commander[\\/]lib[\\/]command\.js$/ }, (args) => {
      const src = readFileSync(args.path, 'utf8');
      const eager = "const childProcess = require('node:child_process');";
      if (!src.includes(eager)) throw new Error('commander: child_process import not found; update scripts/build.mjs');
      const lazy = "const childProcess = { spawn: (...a) => require('node:child_process').spawn(...a) };";
      return { contents: src.replace(eager, lazy), loader: 'js' };
    });
  },
};

// Templates are compiled here, once, into the spec Handlebars' runtime runs
// (src/targets/template.ts): a run neither ships the compiler nor pays for it.
const templateOptions = JSON.parse(readFileSync(new URL('../src/targets/template-options.json', import.meta.url)));
const precompiledTemplates = {
  name: 'precompiled-templates',
  setup(b) {
    b.onLoad({ filter: /\.hbs$/ }, (args) => ({
      contents: `module.exports = { precompiled: ${Handlebars.precompile(readFileSync(args.path, 'utf8'), templateOptions)} };`,
      loader: 'js',
    }));
    // template.ts compiles text only under tsx; the bundle has none to compile
    b.onResolve({ filter: /^handlebars$/ }, (args) =>
      args.importer.includes('node_modules') ? undefined : { path: 'handlebars-compiler', namespace: 'no-compiler' });
    b.onLoad({ filter: /.*/, namespace: 'no-compiler' }, () => ({
      contents: "module.exports = { compile() { throw new Error('templates are precompiled in the bundle'); } };",
      loader: 'js',
    }));
  },
};

// Handlebars' runtime is bundled like any module: the main bundle runs through a
// V8 code cache (src/launch.ts), which then holds the runtime's functions a
// render used. (Kept aside as a string compiled on first use, it was compiled
// again at every apply or render, ~2.5 ms; `get` has a bundle of its own.)

// every file node runs: one self-contained CommonJS file, minified (a smaller file parses faster:
// start-up is most of a `get`)
const nodeFile = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', legalComments: 'none', minify: true, logLevel: 'warning' };

await build({
  ...nodeFile,
  entryPoints: ['src/main.ts'],
  outfile: 'dist/ltspcfg-ts.bundle.js',
  define: { LTSPCFG_VERSION: JSON.stringify(version) },
  plugins: [precompiledTemplates, commanderLazyChildProcess],
  keepNames: false,
});

// `get KEY` runs at every service start: its bundle holds what reading the site takes, no more
// (the same src/site modules as the whole CLI). A module that would drag in the rest is refused.
const getBuild = await build({ ...nodeFile, entryPoints: ['src/get-main.ts'], outfile: 'dist/ltspcfg-ts.get.js', metafile: true });
const getInputs = Object.keys(getBuild.metafile.inputs);
const heavy = getInputs.filter((p) => /node_modules[\\/](commander|handlebars|shelljs|ini)[\\/]|^src[\\/](targets|cli|status|clients)[\\/.]|\.hbs$/.test(p));
if (heavy.length) throw new Error(`the get bundle would load ${heavy.join(', ')}; keep src/get-main.ts to the site modules`);

// what the launcher loads when no kept answer serves: the code caches and the bundles' launch
await build({ ...nodeFile, entryPoints: ['src/launch.ts'], outfile: 'dist/ltspcfg-ts.launch.js' });

// the launcher knows its bundles by hash: a code cache made from another bundle is never used
const sha = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');
await build({
  ...nodeFile,
  entryPoints: ['src/launcher.ts'],
  outfile: 'dist/ltspcfg-ts.js',
  // node from PATH, for a run from the source tree; the ebuild writes node's own path instead (no
  // env to run first). No V8 option: any option there makes node compile its own modules
  // (node:child_process, node:crypto...) without their built-in code cache, whose key holds V8's
  // flags; nor V8's checksum flag (the launch module checks the code caches itself)
  banner: { js: '#!/usr/bin/env node' },
  define: { LTSPCFG_BUNDLE_SHA: JSON.stringify(sha('dist/ltspcfg-ts.bundle.js')), LTSPCFG_GET_BUNDLE_SHA: JSON.stringify(sha('dist/ltspcfg-ts.get.js')) },
});
chmodSync('dist/ltspcfg-ts.js', 0o755);
