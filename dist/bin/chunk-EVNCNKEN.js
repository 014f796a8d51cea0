import { createRequire as __devsupRequire } from 'node:module'; const require = __devsupRequire(import.meta.url);
function shouldColor(stream,env=process.env){if(env.NO_COLOR)return false;if(env.FORCE_COLOR!==void 0)return env.FORCE_COLOR!=="0";return stream.isTTY===true&&env.TERM!=="dumb"}export{shouldColor};
