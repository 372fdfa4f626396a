import { open } from 'node:fs/promises';

export const HEAD_BYTES = 64 * 1024;

export interface FileHead {
  /** The first bytes of the file (at most the requested count). */
  bytes: Buffer;
  size: number;
}

/** The first `length` bytes and the size: everything sniffing needs, without reading the file. */
export async function readHead(path: string, length = HEAD_BYTES): Promise<FileHead> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const bytes = Buffer.alloc(Math.min(length, size));
    let filled = 0;
    while (filled < bytes.length) {
      const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return { bytes: bytes.subarray(0, filled), size };
  } finally {
    await handle.close();
  }
}

/** Bytes [start, start + length) of an open file, short only at its end. */
export async function readRange(path: string, start: number, length: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const bytes = Buffer.alloc(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await handle.read(bytes, filled, length - filled, start + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return bytes.subarray(0, filled);
  } finally {
    await handle.close();
  }
}
