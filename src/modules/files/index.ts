export { downloadLinks } from './download-links.table.js';
export { createDownloadLink, resolveDownloadLink, pruneDownloadLinks, DOWNLOAD_PATH, type DownloadLink } from './files.service.js';
export { filesRouter } from './files.routes.js';
