import { createRequire as __devsupRequire } from 'node:module'; const require = __devsupRequire(import.meta.url);
import{findManifest}from"./chunk-L3NHFN6A.js";import path from"node:path";function instanceFolder(args,io){return path.dirname(findManifest(io.cwd,args.values.file).file)}export{instanceFolder};
