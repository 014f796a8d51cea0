import { createRequire as __devsupRequire } from 'node:module'; const require = __devsupRequire(import.meta.url);
import{wrapAnsi}from"./chunk-VSMOHR7Q.js";import"./chunk-TZXL5VGQ.js";import"./chunk-MFVMLZOL.js";import"./chunk-6NYKKSHL.js";export{wrapAnsi as default};
