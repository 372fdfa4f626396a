import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Real files exported by MS Project, P6, Excel and other tools, kept outside the repository:
 * TRESTLE_FIXTURES_DIR, else the `shared/fixtures` folder beside the checkout. SOURCES.tsv in it
 * says where each file comes from.
 */
export const FIXTURES_DIR =
  process.env['TRESTLE_FIXTURES_DIR'] ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/fixtures');

/** Whether the real files are there; when not, says so once in the test output for `tier`. */
export function realFilesPresent(tier: string): boolean {
  const present = existsSync(path.join(FIXTURES_DIR, 'SOURCES.tsv'));
  if (!present) console.warn(`real files absent (${FIXTURES_DIR}; set TRESTLE_FIXTURES_DIR): skipping ${tier}`);
  return present;
}
