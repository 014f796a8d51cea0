import { main } from './main.js';
import { endQuietlyWhenReaderGoes } from './reader-gone.js';
import { tuneForStartup } from './startup-tuning.js';

// Loaded by front-door.ts for every command it does not answer itself.
tuneForStartup();
endQuietlyWhenReaderGoes(process.stdout);
endQuietlyWhenReaderGoes(process.stderr);
process.exitCode = await main(process.argv.slice(2));
