export { consoleRouter, CONSOLE_CALLBACK_PATH, CONSOLE_CSP, CONSOLE_PATH, type ConsoleRouterOptions } from './console.router.js';
export { registerConsoleClient } from './console.client.js';
