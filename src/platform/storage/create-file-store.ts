import os from 'node:os';
import path from 'node:path';
import type { Config } from '../config.js';
import type { FileStore } from './file-store.js';
import { LocalFileStore } from './local-file-store.js';
import { s3Client, S3FileStore } from './s3-file-store.js';

type StorageConfig = Pick<
  Config,
  | 'STORAGE_BACKEND'
  | 'STORAGE_DIR'
  | 'STORAGE_DOWNLOADS'
  | 'STORAGE_TEMP_DIR'
  | 'S3_ENDPOINT'
  | 'S3_REGION'
  | 'S3_BUCKET'
  | 'S3_ACCESS_KEY_ID'
  | 'S3_SECRET_ACCESS_KEY'
  | 'S3_FORCE_PATH_STYLE'
  | 'S3_PREFIX'
  | 'S3_PART_SIZE_MB'
>;

/** The file store the configuration asks for; `defaultDir` is the local folder when STORAGE_DIR is unset. */
export function createFileStore(config: StorageConfig, defaultDir: string): FileStore {
  if (config.STORAGE_BACKEND === 'local') return new LocalFileStore(config.STORAGE_DIR ?? defaultDir);
  // loadConfig refuses STORAGE_BACKEND=s3 without a bucket; this guards other callers.
  if (!config.S3_BUCKET) throw new Error('S3_BUCKET is required when STORAGE_BACKEND=s3');
  const client = s3Client({
    endpoint: config.S3_ENDPOINT,
    region: config.S3_REGION,
    accessKeyId: config.S3_ACCESS_KEY_ID,
    secretAccessKey: config.S3_SECRET_ACCESS_KEY,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
  });
  return new S3FileStore(client, {
    bucket: config.S3_BUCKET,
    prefix: config.S3_PREFIX,
    partSizeBytes: config.S3_PART_SIZE_MB * 1024 * 1024,
    tempDir: config.STORAGE_TEMP_DIR ?? path.join(os.tmpdir(), 'trestle-files'),
    presignedDownloads: config.STORAGE_DOWNLOADS === 'presigned',
  });
}
