// Loads ESM-only packages (vega, vega-lite) from this CommonJS code base.
// With `module: commonjs`, TypeScript rewrites `import()` into `require()`, and require() cannot
// load vega's ESM graph (it uses top-level await); an import() built with Function survives.
import { pathToFileURL } from 'node:url';

const nativeImport = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

/**
 * Imports an ES module by package name. The name is resolved from this package (so workspace
 * hoisting works no matter the working directory), then imported by file URL.
 */
export function importEsm<T>(pkg: string): Promise<T> {
  return nativeImport(pathToFileURL(require.resolve(pkg)).href) as Promise<T>;
}
