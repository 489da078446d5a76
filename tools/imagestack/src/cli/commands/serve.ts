/** `imagestack serve`: write the site, then serve it on 127.0.0.1 until Ctrl-C. */
import type { Command } from 'commander';
import { InputError } from '../../core/errors';
import { serveSite } from '../../core/site/serve';
import { globalFlags, port } from '../options';
import { runSite, type SiteFlags } from './site';

/** Registers the command. `signal` is aborted on SIGINT/SIGTERM and stops the server. */
export function registerServe(program: Command, signal: AbortSignal): void {
  program
    .command('serve')
    .description('write the site (as imagestack site does) and serve it on 127.0.0.1 until Ctrl-C')
    .option('--out <dir>', 'site folder (default dist/site next to specs.yml)')
    .option('--run-dir <dir>', 'run output folder to read (default dist/imagestack)')
    .option('--port <n>', 'port on 127.0.0.1 (0: any free port)', port('--port'), 8080)
    .option('--no-generate', 'serve the folder as it is, without writing the site first')
    .action(async (o: SiteFlags & { port: number; generate: boolean }, cmd: Command) => {
      const g = globalFlags(cmd);
      let dir = o.out;
      if (o.generate) dir = (await runSite(o, g)).outDir;
      else if (!dir) throw new InputError({ file: '--no-generate', message: '--no-generate needs --out <dir>, the folder to serve', fix: 'add --out <dir>, or drop --no-generate' });
      const server = await serveSite(dir!, { port: o.port });
      process.stderr.write(`imagestack: serving ${dir} at ${server.url} (Ctrl-C to stop)\n`);
      process.stdout.write(`${server.url}\n`);
      await new Promise<void>((resolve) => {
        if (signal.aborted) return resolve();
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
      await server.close();
    });
}
