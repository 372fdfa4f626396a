// Validates the configuration (the environment, and .env beneath it) before `npm start` or
// `npm run worker` starts databases and builds, so a bad variable is named at once. It runs the
// server's own src/platform/config.ts through Node's type stripping: no build needed, and no
// second copy of the rules. Exit status 1 with every bad variable named, 0 otherwise.
import { ConfigError, loadConfig, loadDotEnv } from '../src/platform/config.ts';

try {
  loadDotEnv();
  loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
