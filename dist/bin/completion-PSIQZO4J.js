import { createRequire as __devsupRequire } from 'node:module'; const require = __devsupRequire(import.meta.url);
import{visibleCommands,visibleOptions}from"./chunk-MYRSEEKA.js";import{UsageError}from"./chunk-ZNTRG5IG.js";import"./chunk-6NYKKSHL.js";var SHELLS=["bash","zsh","fish"];var HELP={long:"help",short:"h",description:"show this help"};var NO_COLOR={long:"no-color",description:"no colours (the same as NO_COLOR=1)"};var GLOBAL_OPTIONS=[{long:"file",short:"f",value:"file",description:"the manifest; default: services.yaml here or in a parent folder"},HELP,{long:"version",short:"V",description:"devsup's version"},NO_COLOR];var HELP_COMMAND={name:"help",summary:"a command's options and examples",options:[],arguments:"commands",shortFile:false};function completionScript(shell,commands){const model=completedCommands(commands);if(shell==="bash")return bashScript(model);if(shell==="zsh")return zshScript(model);return fishScript(model)}function completedCommands(commands){const visible=visibleCommands(commands).map(([name,command])=>{const options=visibleOptions(command).map(([long,spec])=>({long,...spec.short===void 0?{}:{short:spec.short},description:spec.description,...spec.type==="string"?{value:valueKind(spec.value)}:{},...spec.multiple?{multiple:true}:{}}));return{name,summary:command.summary,options:[...options,HELP,NO_COLOR],...command.arguments===void 0?{}:{arguments:command.arguments},shortFile:options.some(option=>option.short==="f"&&option.value==="file")}});return[...visible,HELP_COMMAND]}function valueKind(value){if(value==="FILE")return"file";if(value?.startsWith("SERVICE"))return"service=";if(value==="PROFILE")return"profile";return"other"}var words=option=>[...option.short?[`-${option.short}`]:[],`--${option.long}`];function bashScript(commands){const valued=options=>options.filter(option=>option.value!==void 0).flatMap(words);const branch=(name,options,argumentsKind="")=>`    ${name}) options='${options.flatMap(words).join(" ")}' valued='${valued(options).join(" ")}' arguments=${argumentsKind} ;;`;const byValue=kind=>[...new Set([...GLOBAL_OPTIONS,...commands.flatMap(command=>command.options)].filter(option=>option.value===kind).flatMap(words))];const shortFile=commands.filter(command=>command.shortFile).map(command=>command.name);const valueBranches=[[byValue("file"),'compopt -o filenames 2>/dev/null; while IFS= read -r word; do COMPREPLY+=("$word"); done < <(compgen -f -- "$cur")'],[byValue("service="),'_devsup_add_names services "$cur" ='],[byValue("profile"),`_devsup_add_names profiles "$cur" ''`]].filter(([options])=>options.length>0).map(([options,action])=>`      ${options.join("|")}) ${action} ;;`);return`# bash completion for devsup. In this shell: source <(devsup completion bash)
# In every new one: add that line to ~/.bashrc.

# COMPREPLY gets each of the words after the first that starts with it (the word being typed).
_devsup_add_matching() {
  local typed=$1 word
  shift
  for word in "$@"; do
    [[ $word == "$typed"* ]] && COMPREPLY+=("$word")
  done
}

# The service (or profile) names of the manifest (-f FILE if given), from devsup itself, each followed by $3.
_devsup_add_names() {
  local topic=$1 typed=$2 suffix=$3 name names
  names=$("\${COMP_WORDS[0]}" __complete "$topic" \${_devsup_file:+--file "$_devsup_file"} 2>/dev/null) || return 0
  while IFS= read -r name; do
    [[ -n $name && $name == "$typed"* ]] && COMPREPLY+=("$name$suffix")
  done <<<"$names"
  [[ -n $suffix ]] && compopt -o nospace 2>/dev/null
  return 0
}

_devsup() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]}
  local command='' _devsup_file='' i word options valued arguments
  COMPREPLY=()
  # The command is the first word that is not an option. -f/--file FILE may come before it, and after
  # it too, where -f is --file (in \`logs -f\` it is --follow).
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=\${COMP_WORDS[i]}
    case $word in
      --file) ((i++)); _devsup_file=\${COMP_WORDS[i]} ;;
      --file=*) _devsup_file=\${word#--file=} ;;
      -f) if [[ -z $command || " ${shortFile.join(" ")} " == *" $command "* ]]; then ((i++)); _devsup_file=\${COMP_WORDS[i]}; fi ;;
      -*) ;;
      *) [[ -z $command ]] && command=$word ;;
    esac
  done
  [[ $_devsup_file == "~/"* ]] && _devsup_file=$HOME/\${_devsup_file#"~/"}
  case $command in
${branch("''",GLOBAL_OPTIONS,"commands")}
${commands.map(command=>branch(command.name,command.options,command.arguments)).join("\n")}
    *) return 0 ;;
  esac
  if [[ -n $prev && " $valued " == *" $prev "* ]]; then
    case $prev in
${valueBranches.join("\n")}
    esac
    return 0
  fi
  if [[ $cur == -* ]]; then
    _devsup_add_matching "$cur" $options
    return 0
  fi
  case $arguments in
    commands) _devsup_add_matching "$cur" ${commands.map(command=>command.name).join(" ")} ;;
    services) _devsup_add_names services "$cur" '' ;;
    scales) _devsup_add_names services "$cur" = ;;
    shells) _devsup_add_matching "$cur" ${SHELLS.join(" ")} ;;
  esac
  return 0
}

complete -F _devsup devsup
`}var singleQuoted=text=>`'${text.replace(/'/g,`'\\''`)}'`;function zshScript(commands){const spec=(option,withValue=true)=>{const description=`[${option.description.replace(/[\\\]]/g,"\\$&")}]`;const action={file:":file:_files","service=":":service=value:_devsup_service_values",profile:":profile:_devsup_profiles",other:`:${option.long}: `}[option.value??"other"];const value=option.value!==void 0&&withValue?action:"";const repeat=option.multiple?"*":"";const exclusive=option.long==="help"||option.long==="version"?"(- *)":option.short?`(-${option.short} --${option.long})`:"";const suffix=option.value===void 0?["",""]:["+","="];const names=option.short?`{-${option.short}${suffix[0]},--${option.long}${suffix[1]}}`:`--${option.long}${suffix[1]}`;const prefix=`${exclusive}${repeat}`;return`${prefix?singleQuoted(prefix):""}${names}${singleQuoted(description+value)}`};const described=(name,summary)=>singleQuoted(`${name}:${summary.replace(/[\\:]/g,"\\$&")}`);const argumentsSpec={services:`'*:service:_devsup_services'`,scales:`'*:service=replicas:_devsup_service_values'`,shells:`'1:shell:(${SHELLS.join(" ")})'`,commands:`'1:command:_devsup_commands'`};const branch=command=>[`    ${command.name})`,`      _arguments -s \\`,...command.options.map(option=>`        ${spec(option)} \\`),`        ${command.arguments?argumentsSpec[command.arguments]:"'*: :'"}`,`      ;;`].join("\n");return`#compdef devsup
# zsh completion for devsup. In this shell: source <(devsup completion zsh)
# For good: devsup completion zsh > ~/.zfunc/_devsup, with fpath=(~/.zfunc $fpath) before compinit in ~/.zshrc.

_devsup_commands() {
  local -a commands
  commands=(
${commands.map(command=>`    ${described(command.name,command.summary)}`).join("\n")}
  )
  _describe -t commands 'devsup command' commands
}

# The service (or, given profiles, profile) names of the manifest (-f FILE if given), from devsup itself.
_devsup_names() {
  local file=\${opt_args[--file]:-\${opt_args[-f]:-$_devsup_file}}
  reply=(\${(f)"$("$_devsup_cmd" __complete \${1:-services} \${file:+--file} \${file:+$file} 2>/dev/null)"})
}

_devsup_services() {
  local -a reply
  _devsup_names
  _describe -t services 'service' reply
}

_devsup_service_values() {
  local -a reply
  _devsup_names
  compadd -S '=' -q -a reply
}

_devsup_profiles() {
  local -a reply
  _devsup_names profiles
  _describe -t profiles 'profile' reply
}

_devsup() {
  local curcontext=$curcontext state line _devsup_cmd=\${words[1]} _devsup_file
  typeset -A opt_args
  _arguments -C -A '-*' \\
${GLOBAL_OPTIONS.map(option=>`    ${spec(option)} \\`).join("\n")}
    '1:command:_devsup_commands' \\
    '*::argument:->argument'
  [[ $state == argument ]] || return
  _devsup_file=\${opt_args[--file]:-\${opt_args[-f]}}
  curcontext=\${curcontext%:*:*}:devsup-\${words[1]}:
  case \${words[1]} in
${commands.map(branch).join("\n")}
  esac
}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _devsup "$@"
else
  compdef _devsup devsup
fi
`}var fishQuoted=text=>`'${text.replace(/[\\']/g,"\\$&")}'`;function fishScript(commands){const line=(condition,option)=>{const names=`${option.short?`-s ${option.short} `:""}-l ${option.long}`;const value={file:" -r -F","service=":` -x -a '(__devsup_names services =)'`,profile:` -x -a '(__devsup_names profiles)'`,other:" -x"}[option.value??"other"];return`complete -c devsup -n ${condition} ${names}${option.value===void 0?"":value} -d ${fishQuoted(option.description)}`};const using=names=>fishQuoted(`__devsup_using ${names.join(" ")}`);const withArguments=kind=>commands.filter(command=>command.arguments===kind).map(command=>command.name);const shortFile=commands.filter(command=>command.shortFile).map(command=>command.name);return`# fish completion for devsup. In this shell: devsup completion fish | source
# For good: devsup completion fish > ~/.config/fish/completions/devsup.fish

# The command: the first word after devsup that is not an option or the value of -f/--file.
function __devsup_command
    set -l skip 0
    for word in (commandline -opc)[2..-1]
        if test $skip = 1
            set skip 0
        else if contains -- $word -f --file
            set skip 1
        else if not string match -q -- '-*' $word
            echo $word
            return 0
        end
    end
    return 1
end

function __devsup_using
    contains -- (__devsup_command) $argv
end

# The service (or profile) names of the manifest (-f FILE if given), from devsup itself: $argv[1] is
# services or profiles, and $argv[2] follows each name.
function __devsup_names
    set -l words (commandline -opc)
    set -l command (__devsup_command)
    set -l file
    for i in (seq 2 (count $words))
        if test "$words[$i]" = --file; or begin; test "$words[$i]" = -f; and contains -- "$command" '' ${shortFile.join(" ")}; end
            set file $words[(math $i + 1)]
        else if string match -q -- '--file=*' $words[$i]
            set file (string replace -- --file= '' $words[$i])
        end
    end
    set -l args __complete $argv[1]
    if test -n "$file"
        set -a args --file $file
    end
    for name in ($words[1] $args 2>/dev/null)
        echo "$name$argv[2]"
    end
end

complete -c devsup -f
${GLOBAL_OPTIONS.map(option=>line("'not __devsup_command'",option)).join("\n")}
${commands.map(command=>`complete -c devsup -n 'not __devsup_command' -a ${command.name} -d ${fishQuoted(command.summary)}`).join("\n")}
${commands.flatMap(command=>command.options.map(option=>line(using([command.name]),option))).join("\n")}
complete -c devsup -n ${using(withArguments("services"))} -a '(__devsup_names services)'
complete -c devsup -n ${using(withArguments("scales"))} -a '(__devsup_names services =)'
complete -c devsup -n ${using(withArguments("shells"))} -a '${SHELLS.join(" ")}'
complete -c devsup -n ${using(withArguments("commands"))} -a '${commands.map(command=>command.name).join(" ")}'
`}function printCompletion(commands){return async(args,io)=>run(args,io,commands)}async function run(args,io,commands){const[shell,...extra]=args.positionals;if(!SHELLS.includes(shell)||extra.length>0){const given=shell===void 0?"a shell":`one of ${SHELLS.join(", ")}, not "${[shell,...extra].join(" ")}"`;throw new UsageError(`devsup completion needs ${given}.`,`Usage: devsup completion ${SHELLS.join("|")}`)}io.stdout.write(completionScript(shell,commands));return 0}export{printCompletion};
