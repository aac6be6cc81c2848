// Bundles the CLI into one dependency-free file, dist/ltspcfg-ts.js, which the
// release tarball and the ebuild ship. Templates are inlined as text.
import { build } from 'esbuild';
import { chmodSync, readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url)));

// shelljs loads its commands with a computed require(); list them so the bundle holds them.
const shelljsStatic = {
  name: 'shelljs-static-commands',
  setup(b) {
    b.onLoad({ filter: /shelljs[\\/]shell\.js$/ }, async (args) => {
      const src = readFileSync(args.path, 'utf8');
      const commands = (await import('shelljs/commands.js')).default.filter((c) => c !== 'exec');
      const fixed = src.replace(
        /require\('\.\/commands'\)\.forEach\(function \(command\) \{\s*require\('\.\/src\/' \+ command\);\s*\}\);/,
        commands.map((c) => `require('./src/${c}');`).join('\n'),
      );
      if (fixed === src) throw new Error('shelljs: command loader not found; update scripts/build.mjs');
      return { contents: fixed, loader: 'js' };
    });
  },
};

await build({
  entryPoints: ['src/main.ts'],
  outfile: 'dist/ltspcfg-ts.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  banner: { js: '#!/usr/bin/env node' },
  loader: { '.hbs': 'text' },
  define: { LTSPCFG_VERSION: JSON.stringify(version) },
  legalComments: 'none',
  plugins: [shelljsStatic],
  logLevel: 'warning',
});
chmodSync('dist/ltspcfg-ts.js', 0o755);
