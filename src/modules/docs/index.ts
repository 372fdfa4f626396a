export { docsRouter } from './docs.routes.js';
export { openApiDocument } from './openapi.document.js';
