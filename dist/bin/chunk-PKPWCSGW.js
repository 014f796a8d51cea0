import { createRequire as __devsupRequire } from 'node:module'; const require = __devsupRequire(import.meta.url);
function manifestOptions(args,io,note){return{cwd:io.cwd,file:args.values.file,portOverrides:args.values.port,basePort:args.values["base-port"],profiles:args.values.profile,scale:args.values.scale,note,env:io.env}}export{manifestOptions};
