#!/usr/bin/env node
/**
 * The `h2tubes` command (`bin` of @h2tubes/web-adapter): `h2tubes serve ./app.js` serves a Fetch
 * module over HTTP/2; `h2tubes --help` lists the options. A failure the user can fix is one line
 * on stderr and exit status 1; anything else is printed with its stack, as a bug would be.
 */
import { CliError } from './cli-error.js';
import { helpText, parseCommandLine } from './options.js';
import { serveCommand } from './serve-command.js';

try {
  const command = parseCommandLine(process.argv.slice(2), process.env);
  if (command.kind === 'help') process.stdout.write(helpText());
  else await serveCommand(command.options, process.env);
} catch (e) {
  if (e instanceof CliError) console.error(`h2tubes: ${e.message}`);
  else console.error('h2tubes:', e);
  // Exit now: the served module may have opened handles that would keep the process alive.
  process.exit(1);
}
