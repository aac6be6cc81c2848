// Templates are bundled as text (esbuild's text loader; tests/support/register-hbs.cjs under tsx).
declare module '*.hbs' {
  const template: string;
  export default template;
}
