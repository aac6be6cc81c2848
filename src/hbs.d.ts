// Templates: precompiled by scripts/build.mjs in the bundle; text under tsx
// (tests/support/register-hbs.cjs), compiled on first use. See src/targets/template.ts.
declare module '*.hbs' {
  const template: import('./targets/template').Template;
  export default template;
}
