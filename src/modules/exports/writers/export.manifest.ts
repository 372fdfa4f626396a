import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { ExportField } from './writer.types.js';
import { checkZipNames, ZipStream } from './zip.stream.js';

export const MANIFEST_VERSION = 1;
export const MANIFEST_FILE_NAME = 'manifest.json';

export interface ManifestFile {
  /** Name of the file inside the ZIP (or of the download). */
  name: string;
  /** Data records, the header not counted. */
  rows: number;
  bytes: number;
  /** Lower-case hex SHA-256 of the file's bytes. */
  sha256: string;
}

export interface ManifestInput {
  exportId: string | number | bigint;
  organizationId: string | number | bigint;
  entityType: string;
  /** The filters the export ran with, as the caller gave them; must be JSON-serialisable. */
  filters: Record<string, unknown>;
  createdAt: Date | string;
  /** Version of the record schema the files follow, so a consumer knows which fields to expect. */
  schemaVersion: string | number;
  fields: readonly ExportField[];
  files: readonly ManifestFile[];
}

/**
 * manifest.json of an export:
 *
 * ```json
 * {
 *   "manifestVersion": 1,                  // shape of this document
 *   "generator": "Trestle",
 *   "exportId": "42",                      // ids as strings: BIGINTs overflow JSON numbers
 *   "organizationId": "7",
 *   "entityType": "invoices",
 *   "schemaVersion": "2024-06-01",         // as given: string or number
 *   "createdAt": "2024-06-01T12:00:00.000Z",
 *   "filters": { "projectId": "3" },       // JSON round-trip of the input: Dates become ISO strings
 *   "fields": [{ "key": "number", "label": "Invoice Number", "type": "string" }, …],
 *   "files": [{ "name": "invoices.csv", "rows": 1200, "bytes": 183422, "sha256": "9f86d0…" }],
 *   "totals": { "files": 1, "rows": 1200, "bytes": 183422 }
 * }
 * ```
 */
export interface ExportManifest {
  manifestVersion: typeof MANIFEST_VERSION;
  generator: 'Trestle';
  exportId: string;
  organizationId: string;
  entityType: string;
  schemaVersion: string | number;
  createdAt: string;
  filters: Record<string, unknown>;
  fields: ExportField[];
  files: ManifestFile[];
  totals: { files: number; rows: number; bytes: number };
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

function count(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${what} must be a non-negative integer, got ${value}`);
  return value;
}

/** The manifest object; it refuses what would make a consumer's checks meaningless. */
export function buildManifest(input: ManifestInput): ExportManifest {
  const createdAt = new Date(input.createdAt);
  if (Number.isNaN(createdAt.getTime())) throw new Error(`createdAt is not a date: ${String(input.createdAt)}`);
  const names = new Set<string>();
  const files = input.files.map((f) => {
    if (f.name === '' || names.has(f.name)) throw new Error(`file name "${f.name}" is empty or listed twice`);
    names.add(f.name);
    if (!SHA256_HEX.test(f.sha256)) throw new Error(`sha256 of ${f.name} is not 64 lower-case hex digits`);
    return { name: f.name, rows: count(f.rows, `rows of ${f.name}`), bytes: count(f.bytes, `bytes of ${f.name}`), sha256: f.sha256 };
  });
  return {
    manifestVersion: MANIFEST_VERSION,
    generator: 'Trestle',
    exportId: String(input.exportId),
    organizationId: String(input.organizationId),
    entityType: input.entityType,
    schemaVersion: input.schemaVersion,
    createdAt: createdAt.toISOString(),
    // A detached, JSON-shaped copy: what the file will say is what the object says.
    filters: JSON.parse(JSON.stringify(input.filters)) as Record<string, unknown>,
    fields: input.fields.map((f) => ({ key: f.key, label: f.label, type: f.type })),
    files,
    totals: {
      files: files.length,
      rows: files.reduce((sum, f) => sum + f.rows, 0),
      bytes: files.reduce((sum, f) => sum + f.bytes, 0),
    },
  };
}

/** The manifest as written to manifest.json: indented for people, LF-terminated. */
export function manifestJson(manifest: ExportManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

export type ZipEntry = { name: string; path: string } | { name: string; content: string };

/** Already-compressed formats are stored: deflating them again costs time and saves nothing. */
const STORED = /\.(?:xlsx|zip|gz|png|jpe?g|pdf)$/i;

/**
 * Writes a ZIP of files (streamed from disk, never read whole) and texts (UTF-8) with ZipStream.
 * Entry names are relative paths with `/`; an absolute name, `..`, or two names equal but for
 * case (they would overwrite each other when extracted on Windows or macOS) are refused before
 * anything is written. Files are deflated at zlib's default level unless already compressed.
 * On failure the partial file is deleted.
 */
export async function writeZip(zipPath: string, entries: readonly ZipEntry[]): Promise<{ bytes: number; sha256: string }> {
  checkZipNames(entries.map((e) => e.name));
  const zip = ZipStream.open(zipPath);
  try {
    for (const entry of entries) {
      if ('path' in entry) await pipeline(createReadStream(entry.path), zip.entry(entry.name, STORED.test(entry.name) ? 0 : 6));
      else zip.addText(entry.name, entry.content);
    }
    return await zip.close();
  } catch (error) {
    await zip.abort();
    throw error;
  }
}
