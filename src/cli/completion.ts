/**
 * `igmpkit completion bash|zsh|fish`: a completion script generated from the commander definitions (the
 * commands, their options, which options take a file, an interface or one of a few choices).
 */
import { Command, type Option } from "commander";
import { EXIT_CODES_HELP, UsageError, type CliIo, type RegisterCommand } from "./io.js";

export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

/** What an option's value is, for completion. */
type ValueKind = { kind: "none" } | { kind: "file" } | { kind: "interface" } | { kind: "choices"; values: string[] } | { kind: "other" };

interface OptionInfo {
  short: string | undefined;
  long: string | undefined;
  description: string;
  value: ValueKind;
  repeatable: boolean;
}

interface CommandInfo {
  name: string;
  description: string;
  options: OptionInfo[];
  /** Positional arguments are files (decode, lint), or words of a filter expression (capture, monitor). */
  filesAsArguments: boolean;
}

const COLLECTING = new Set(["--read", "--type", "--join"]);
const FILE_OPTIONS = /^--(read|write|scenario|replay|output)$/;

function valueKind(o: Option): ValueKind {
  if (!o.required && !o.optional) return { kind: "none" };
  if (o.argChoices) return { kind: "choices", values: o.argChoices };
  if (o.long === "--type") return { kind: "other" };
  if (o.long !== undefined && FILE_OPTIONS.test(o.long)) return { kind: "file" };
  if (o.long === "--interface") return { kind: "interface" };
  return { kind: "other" };
}

function describe(program: Command): CommandInfo[] {
  return program.commands.map((c) => ({
    name: c.name(),
    description: c.description(),
    options: c.options
      .filter((o) => !o.hidden)
      .map((o) => ({
        short: o.short,
        long: o.long,
        description: o.description,
        value: valueKind(o),
        // counted flags (-vv, -ttt, -xx) and options that collect (-r A -r B, --type a --type b)
        repeatable: (o.parseArg !== undefined && !o.required && !o.optional) || (o.long !== undefined && COLLECTING.has(o.long)),
      }))
      .concat([{ short: "-h", long: "--help", description: "display help for command", value: { kind: "none" }, repeatable: false }]),
    filesAsArguments: c.registeredArguments.length > 0 && /file/.test(c.registeredArguments[0]!.name()),
  }));
}

const flags = (o: OptionInfo): string[] => [o.short, o.long].filter((x): x is string => x !== undefined);

function bash(cmds: CommandInfo[]): string {
  const cases = cmds
    .map((c) => {
      const opts = c.options.flatMap(flags).join(" ");
      const values = c.options
        .filter((o) => o.value.kind !== "none")
        .map((o) => {
          const pat = flags(o).join("|");
          const v = o.value;
          const action =
            v.kind === "file"
              ? `COMPREPLY=( $(compgen -f -- "$cur") )`
              : v.kind === "interface"
                ? `COMPREPLY=( $(compgen -W "$(ls /sys/class/net 2>/dev/null) any" -- "$cur") )`
                : v.kind === "choices"
                  ? `COMPREPLY=( $(compgen -W "${v.values.join(" ")}" -- "$cur") )`
                  : "COMPREPLY=()";
          return `        ${pat}) ${action}; return ;;`;
        })
        .join("\n");
      return `    ${c.name})
      case "$prev" in
${values}
      esac
      opts="${opts}"
      files=${c.filesAsArguments ? 1 : 0} ;;`;
    })
    .join("\n");
  return `# bash completion for igmpkit: igmpkit completion bash > /etc/bash_completion.d/igmpkit
# (or: source <(igmpkit completion bash) in ~/.bashrc)
_igmpkit() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" opts="" files=0
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${cmds.map((c) => c.name).join(" ")} --help --version" -- "$cur") )
    return
  fi
  case "\${COMP_WORDS[1]}" in
${cases}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
  elif [ "$files" -eq 1 ]; then
    COMPREPLY=( $(compgen -f -- "$cur") )
  fi
}
complete -o filenames -o bashdefault -F _igmpkit igmpkit
`;
}

/** Text inside zsh's [description] and single quotes. */
const zq = (s: string): string => s.replace(/'/g, "'\\''").replace(/[[\]:]/g, (c) => `\\${c}`);

function zsh(cmds: CommandInfo[]): string {
  const cases = cmds
    .map((c) => {
      const specs = c.options.map((o) => {
        const fl = flags(o);
        const names = fl.length > 1 ? `{${fl.join(",")}}` : fl[0]!;
        const exclusive = o.repeatable ? "*" : fl.length > 1 ? `(${fl.join(" ")})` : "";
        const v = o.value;
        const value =
          v.kind === "none"
            ? ""
            : v.kind === "file"
              ? ":file:_files"
              : v.kind === "interface"
                ? ":interface:_net_interfaces"
                : v.kind === "choices"
                  ? `:value:(${v.values.join(" ")})`
                  : ":value: ";
        return `'${exclusive}'${names}'[${zq(o.description)}]${value}'`;
      });
      specs.push(c.filesAsArguments ? "'*:file:_files'" : "'*:expression: '");
      return `    ${c.name})\n      _arguments -s \\\n        ${specs.join(" \\\n        ")} ;;`;
    })
    .join("\n");
  return `#compdef igmpkit
# zsh completion for igmpkit: igmpkit completion zsh > "\${fpath[1]}/_igmpkit" (then compinit)
_igmpkit() {
  local -a commands
  commands=(
${cmds.map((c) => `    '${c.name}:${zq(c.description)}'`).join("\n")}
  )
  if (( CURRENT == 2 )); then
    _describe -t commands 'igmpkit command' commands
    return
  fi
  local cmd=$words[2]
  shift words
  (( CURRENT-- ))
  case $cmd in
${cases}
  esac
}
_igmpkit "$@"
`;
}

const fq = (s: string): string => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

function fish(cmds: CommandInfo[]): string {
  const lines = [
    "# fish completion for igmpkit: igmpkit completion fish > ~/.config/fish/completions/igmpkit.fish",
    "complete -c igmpkit -f",
    ...cmds.map((c) => `complete -c igmpkit -n __fish_use_subcommand -a ${c.name} -d ${fq(c.description)}`),
  ];
  for (const c of cmds) {
    const when = `-n '__fish_seen_subcommand_from ${c.name}'`;
    if (c.filesAsArguments) lines.push(`complete -c igmpkit ${when} -F`);
    for (const o of c.options) {
      const parts = [`complete -c igmpkit ${when}`];
      if (o.short) parts.push(`-s ${o.short.slice(1)}`);
      if (o.long) parts.push(`-l ${o.long.slice(2)}`);
      const v = o.value;
      if (v.kind === "file") parts.push("-r -F");
      else if (v.kind === "interface") parts.push("-x -a '(string split \" \" (ls /sys/class/net) any)'");
      else if (v.kind === "choices") parts.push(`-x -a ${fq(v.values.join(" "))}`);
      else if (v.kind === "other") parts.push("-x");
      parts.push(`-d ${fq(o.description)}`);
      lines.push(parts.join(" "));
    }
  }
  return `${lines.join("\n")}\n`;
}

/** The completion script for a shell, from the program's commands. */
export function completionScript(program: Command, shell: Shell): string {
  const cmds = describe(program);
  return shell === "bash" ? bash(cmds) : shell === "zsh" ? zsh(cmds) : fish(cmds);
}

export const register: RegisterCommand = (program, io: CliIo, setExit) => {
  program.addCommand(
    new Command("completion")
      .description("print a shell completion script (bash, zsh or fish)")
      .argument("<shell>", SHELLS.join(", "))
      .addHelpText(
        "after",
        `
bash: source <(igmpkit completion bash)     (or save it to /etc/bash_completion.d/igmpkit)
zsh:  igmpkit completion zsh > "\${fpath[1]}/_igmpkit"; compinit
fish: igmpkit completion fish > ~/.config/fish/completions/igmpkit.fish

${EXIT_CODES_HELP}`,
      )
      .action((shell: string) => {
        if (!(SHELLS as readonly string[]).includes(shell)) throw new UsageError(`no completion for ${JSON.stringify(shell)}; one of: ${SHELLS.join(", ")}`);
        io.stdout.write(completionScript(program, shell as Shell));
        setExit(0);
      }),
  );
};
