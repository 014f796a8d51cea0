import { createRequire as __devsupRequire } from 'node:module'; const require = __devsupRequire(import.meta.url);
import{createRequire}from"node:module";function sha256(text){const{createHash}=createRequire(import.meta.url)("node:crypto");return createHash("sha256").update(text).digest()}export{sha256};
