import { createRequire as __devsupRequire } from 'node:module'; const require = __devsupRequire(import.meta.url);
import{parseWithLibrary,parseYaml}from"./chunk-QNZZJTPU.js";import"./chunk-CYREQ3CV.js";import"./chunk-2CWYVGSA.js";import"./chunk-6NYKKSHL.js";export{parseWithLibrary,parseYaml};
