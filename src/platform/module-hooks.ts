/**
 * A module resolution shortcut for drizzle-orm, registered before the application is loaded
 * (src/worker.ts imports this first and the rest dynamically; `--import` does it for others).
 *
 * Why: drizzle-orm ships some 250 ES module files under one package.json of about 180 KB (its
 * exports map). For every relative import between those files, Node 24's ESM resolver reads
 * that package's configuration back into JavaScript, parsing the whole exports map again.
 * Loading `drizzle-orm/mysql2` that way took 1.3 s and left the process at 255 MB resident
 * (175 MB of heap garbage, and memory the allocator keeps afterwards); resolved here it takes
 * 0.5 s and 73 MB (measured on Node 24.21).
 *
 * What: a relative specifier ("./sql/sql.js") imported by a file of drizzle-orm resolves to the
 * file next to its importer, as ES module: drizzle-orm's package.json says "type": "module" and
 * its ESM files import each other with full relative paths and `.js` extensions. Everything
 * else, including bare specifiers such as `drizzle-orm/mysql2`, goes through Node's resolver.
 */
import * as nodeModule from 'node:module';

const DRIZZLE = '/node_modules/drizzle-orm/';

let registered = false;

/** Registers the shortcut once; on a Node without `module.registerHooks` (< 22.15) it does nothing. */
export function registerModuleHooks(): void {
  if (registered || typeof nodeModule.registerHooks !== 'function') return;
  registered = true;
  nodeModule.registerHooks({
    resolve(specifier, context, nextResolve) {
      const parent = context.parentURL;
      if (parent !== undefined && parent.includes(DRIZZLE) && parent.endsWith('.js') && (specifier.startsWith('./') || specifier.startsWith('../')) && specifier.endsWith('.js')) {
        return { url: new URL(specifier, parent).href, format: 'module', shortCircuit: true };
      }
      return nextResolve(specifier, context);
    },
  });
}

registerModuleHooks();
