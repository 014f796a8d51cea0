import { createRequire as __devsupRequire } from 'node:module'; const require = __devsupRequire(import.meta.url);
import{packageVersion}from"./chunk-3YFZMBAE.js";import"./chunk-6NYKKSHL.js";async function run(args,io){console.log=console.error;console.info=console.error;console.debug=console.error;const{serveMcp}=await import("./mcp-server-FOCFBND4.js");await serveMcp({cwd:io.cwd,file:args.values.file,env:io.env,note:message=>io.stderr.write(`devsup: ${message}
`)},packageVersion());return 0}export{run};
