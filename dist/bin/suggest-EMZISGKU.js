import { createRequire as __devsupRequire } from 'node:module'; const require = __devsupRequire(import.meta.url);
import{didYouMean,listChoices,suggest}from"./chunk-MKPJIIV2.js";import"./chunk-6NYKKSHL.js";export{didYouMean,listChoices,suggest};
