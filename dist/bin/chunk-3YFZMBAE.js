import { createRequire as __devsupRequire } from 'node:module'; const require = __devsupRequire(import.meta.url);
import{readFileSync}from"node:fs";function packageVersion(){return JSON.parse(readFileSync(new URL("../../package.json",import.meta.url),"utf8")).version}export{packageVersion};
