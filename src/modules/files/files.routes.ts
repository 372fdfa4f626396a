import { Router } from 'express';
import type { Db } from '../../platform/db/mysql.js';
import type { FileStore } from '../../platform/storage/file-store.js';
import { resolveDownloadLink } from './files.service.js';

/** GET /api/v1/files/:token — streams the file behind an unexpired download link (or redirects to a presigned URL of it). */
export function filesRouter(deps: { db: Db; store: FileStore }): Router {
  const router = Router();
  router.get('/files/:token', async (req, res, next) => {
    try {
      const link = await resolveDownloadLink(deps.db, req.params.token);
      if (!link) {
        res.status(404).json({ error: { code: 'NOT_FOUND', message: 'This download link is unknown or has expired' } });
        return;
      }
      // With STORAGE_DOWNLOADS=presigned the bytes come from the bucket, by a URL that expires with the link.
      const direct = await deps.store.directDownloadUrl(link.fileKey, {
        fileName: link.fileName,
        contentType: link.contentType,
        expiresInSeconds: (link.expiresAt.getTime() - Date.now()) / 1000,
      });
      if (direct) {
        res.setHeader('Cache-Control', 'private, no-store');
        res.redirect(302, direct);
        return;
      }
      res.setHeader('Content-Type', link.contentType);
      res.setHeader('Content-Disposition', `attachment; filename="${link.fileName.replace(/[^\w.\- ]/g, '_')}"`);
      res.setHeader('Cache-Control', 'private, no-store');
      res.setHeader('Content-Length', String(await deps.store.size(link.fileKey)));
      const stream = await deps.store.read(link.fileKey);
      stream.on('error', next);
      stream.pipe(res);
    } catch (error) {
      next(error);
    }
  });
  return router;
}
