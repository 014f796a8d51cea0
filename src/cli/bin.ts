#!/usr/bin/env node
import { endQuietlyWhenReaderGoes, main } from './main.js';
import { tuneForStartup } from './startup-tuning.js';

tuneForStartup();
endQuietlyWhenReaderGoes(process.stdout);
endQuietlyWhenReaderGoes(process.stderr);
process.exitCode = await main(process.argv.slice(2));
