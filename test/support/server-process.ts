import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Runs the compiled server (`node dist/main.js`) as its own process, as production would. */
export async function startServerProcess(env: Record<string, string>, timeoutMs = 30_000): Promise<ServerProcess> {
  const started = await startProcess('dist/main.js', env, /"port":(\d+)/, timeoutMs);
  return { ...started, url: `http://127.0.0.1:${started.match[1]}/graphql` };
}

/** Runs the compiled worker (`node dist/worker.js`): jobs only. */
export async function startWorkerProcess(env: Record<string, string>, timeoutMs = 30_000): Promise<Omit<ServerProcess, 'url'>> {
  return startProcess('dist/worker.js', env, /worker is running/, timeoutMs);
}

async function startProcess(
  entry: string,
  env: Record<string, string>,
  ready: RegExp,
  timeoutMs: number,
): Promise<Omit<ServerProcess, 'url'> & { match: RegExpExecArray }> {
  const child = spawn(process.execPath, [path.join(ROOT, entry)], {
    cwd: ROOT,
    // info level: the port is read from the "listening" log line.
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry} did not start:\n${output}`)), timeoutMs);
    const onData = () => {
      const found = ready.exec(output);
      if (found) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolve(found);
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited with ${code}:\n${output}`));
    });
  });
  return {
    match,
    child,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
