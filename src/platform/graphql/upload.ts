import type { Readable } from 'node:stream';
import type { FileUpload } from 'graphql-upload/processRequest.mjs';
import { FileTooLargeError } from '../storage/file-store.js';

/** graphql-upload's refusal of an oversized file (status 413) as FileTooLargeError; any other error as it is. */
export function asUploadError(error: unknown, maxUploadBytes: number): unknown {
  return (error as { status?: number }).status === 413 ? new FileTooLargeError(maxUploadBytes) : error;
}

/**
 * Opens a file sent as a GraphQL multipart upload. graphql-upload may refuse an oversized file
 * before the resolver reads it: its 413 comes out of the upload promise or of createReadStream,
 * and becomes FileTooLargeError (PAYLOAD_TOO_LARGE) here; other errors pass through. Reading
 * the stream can still fail the same way: map such errors with asUploadError.
 */
export async function openUpload(file: Promise<FileUpload>, maxUploadBytes: number): Promise<{ upload: FileUpload; content: Readable }> {
  const tooLarge = (error: unknown) => asUploadError(error, maxUploadBytes);
  let upload: FileUpload;
  try {
    upload = await file;
  } catch (error) {
    throw tooLarge(error);
  }
  try {
    return { upload, content: upload.createReadStream() };
  } catch (error) {
    throw tooLarge(error);
  }
}
