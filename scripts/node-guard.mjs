// Fails loudly when an npm script runs on a Node.js older than the project needs.
// npm puts node_modules/.bin first on PATH, so scripts normally run on the pinned
// `node` devDependency (Node 24); this catches a missing or skipped install of it.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(
    `\nTrestle needs Node.js >= 22.12 but this script runs on ${process.version} (${process.execPath}).\n` +
      'The project pins Node 24 as the devDependency "node"; run `npm install` again and check that\n' +
      'node_modules/.bin/node exists (its install script must be allowed to run).\n',
  );
  process.exit(1);
}
