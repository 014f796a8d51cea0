import type { CommandEntry } from './cli-types.js';
import { MANIFEST_REFERENCE_SLOT, type QuickAnswers } from './quick-answers.js';
import { renderCommandHelp, renderOverview } from './render-help.js';

/**
 * The help main.ts prints, for the front door to print alike: rendered when devsup is built
 * (scripts/bundle.mjs), from the command list of that very build. The path of the manifest
 * reference is left as a slot, since only the running devsup knows where it was installed.
 */
export function renderQuickAnswers(commands: Record<string, CommandEntry>): QuickAnswers {
  return {
    overview: renderOverview(commands, MANIFEST_REFERENCE_SLOT),
    commands: Object.fromEntries(Object.entries(commands).map(([name, command]) => [name, renderCommandHelp(command)])),
  };
}
