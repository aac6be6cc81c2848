// The string parser of @iarna/toml, imported alone (see src/site/load.ts).
declare module '@iarna/toml/parse-string' {
  import type { JsonMap } from '@iarna/toml';
  function parseString(text: string): JsonMap;
  export = parseString;
}
