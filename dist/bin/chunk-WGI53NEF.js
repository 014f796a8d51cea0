import { createRequire as __devsupRequire } from 'node:module'; const require = __devsupRequire(import.meta.url);
import path from"node:path";var STATE_FOLDER=".devsup";function stateFolderOf(manifestDir){return path.join(manifestDir,STATE_FOLDER)}export{STATE_FOLDER,stateFolderOf};
